import Foundation

/// A prompt template with `{{placeholders}}`, parsed once so each render is one pass of appends.
/// An unknown placeholder is left as written (visible in tests rather than silently empty).
struct PromptTemplate: Sendable {
    private enum Part: Sendable {
        case text(String)
        case placeholder(String)
    }

    private let parts: [Part]

    init(_ template: String) {
        var parts: [Part] = []
        var rest = Substring(template)
        while let open = rest.range(of: "{{") {
            if open.lowerBound > rest.startIndex { parts.append(.text(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else {
                parts.append(.text(String(rest[open.lowerBound...])))
                rest = ""
                break
            }
            parts.append(.placeholder(String(afterOpen[..<close.lowerBound]).trimmingCharacters(in: .whitespaces)))
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.text(String(rest))) }
        self.parts = parts
    }

    func render(_ values: [String: String]) -> String {
        var output = ""
        output.reserveCapacity(2048)
        for part in parts {
            switch part {
            case .text(let text): output += text
            case .placeholder(let name): output += values[name] ?? "{{\(name)}}"
            }
        }
        return output
    }
}
