import Foundation
import Mustache

/// The dashboard's templates, stylesheet and script, compiled into the binary from
/// `Dashboard/Resources` (SwiftPM's embed-in-code resources): `frontdesk serve` needs no files beside it.
struct DashboardTemplates: Sendable {
    let library: MustacheLibrary
    /// Changes when the stylesheet or script does, so browsers may cache them for a year.
    let assetVersion: String

    static let css = PackageResources.app_css
    static let js = PackageResources.app_js

    /// Every template by name (a test checks each file in Resources is listed).
    static let sources: [String: [UInt8]] = [
        "layout": PackageResources.layout_mustache,
        "login": PackageResources.login_mustache,
        "overview": PackageResources.overview_mustache,
        "stats": PackageResources.stats_mustache,
        "pager": PackageResources.pager_mustache,
        "calls": PackageResources.calls_mustache,
        "call": PackageResources.call_mustache,
        "leads": PackageResources.leads_mustache,
        "live": PackageResources.live_mustache,
        "error": PackageResources.error_mustache,
        "inbox": PackageResources.inbox_mustache,
        "thread": PackageResources.thread_mustache,
        "settings": PackageResources.settings_mustache,
        "calendar": PackageResources.calendar_mustache,
        "agents": PackageResources.agents_mustache,
    ]

    init() throws {
        var library = MustacheLibrary()
        for (name, bytes) in Self.sources {
            try library.register(String(decoding: bytes, as: UTF8.self), named: name)
        }
        self.library = library
        // djb2 over both files: stable across builds and instances, new when either changes.
        assetVersion = String((Self.css + Self.js).reduce(UInt32(5381)) { ($0 &* 33) ^ UInt32($1) }, radix: 36)
    }

    func render(_ template: String, _ values: [String: Any]) -> String {
        var values = values
        values["assetVersion"] = assetVersion
        return library.render(Self.present(values) ?? [:], withTemplate: template) ?? ""
    }

    /// The values with every nil left out, at any depth: to a template, nil means absent (mustache
    /// would otherwise print an Optional's description, "nil").
    static func present(_ value: Any) -> Any? {
        switch value {
        case let dictionary as [String: Any]:
            var kept: [String: Any] = [:]
            for (key, item) in dictionary { if let item = present(item) { kept[key] = item } }
            return kept
        case let array as [Any]:
            return array.compactMap(present)
        case is String, is Int, is Bool, is Double:
            return value
        default:
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .optional else { return value }
            return mirror.children.first.flatMap { present($0.value) }
        }
    }
}
