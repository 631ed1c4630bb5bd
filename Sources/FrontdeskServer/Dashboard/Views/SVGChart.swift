import Foundation

/// Bar charts drawn by the server as inline SVG: no script, no library, readable without colour
/// (each bar has a title with its numbers) and scaling to the page's width.
enum SVGChart {
    struct Bar {
        let label: String
        /// Drawn lighter, behind `front`.
        let back: Double
        let front: Double
        let title: String
    }

    static func bars(_ bars: [Bar], caption: String, height: Double = 160) -> String {
        let width = 640.0
        let (left, bottom, top) = (34.0, 18.0, 8.0)
        let highest = max(bars.map { max($0.back, $0.front) }.max() ?? 0, 1)
        let scale = niceCeiling(highest)
        let slot = (width - left) / Double(max(bars.count, 1))
        let barWidth = max(slot * 0.7, 1)
        let plot = height - bottom - top
        var svg = "<svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(HTMLText.escape(caption))\">"
        svg += "<title>\(HTMLText.escape(caption))</title>"
        for tick in [0.0, 0.5, 1.0] {
            let y = top + plot * (1 - tick)
            svg += "<line class=\"axis\" x1=\"\(left)\" x2=\"\(width)\" y1=\"\(fmt(y))\" y2=\"\(fmt(y))\"/>"
            svg += "<text x=\"\(left - 4)\" y=\"\(fmt(y + 3))\" text-anchor=\"end\">\(label(scale * tick))</text>"
        }
        for (index, bar) in bars.enumerated() {
            let x = left + Double(index) * slot + (slot - barWidth) / 2
            svg += "<g><title>\(HTMLText.escape(bar.title))</title>"
            for (value, cls) in [(bar.back, "bar alt"), (bar.front, "bar")] where value > 0 {
                let h = plot * value / scale
                svg += "<rect class=\"\(cls)\" x=\"\(fmt(x))\" y=\"\(fmt(top + plot - h))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(h))\"/>"
            }
            svg += "</g>"
            if bars.count <= 10 || index % 5 == 0 || index == bars.count - 1 {
                svg += "<text x=\"\(fmt(x + barWidth / 2))\" y=\"\(fmt(height - 4))\" text-anchor=\"middle\">\(HTMLText.escape(bar.label))</text>"
            }
        }
        return svg + "</svg>"
    }

    /// 1, 2, 5 × 10ⁿ at or above `value`.
    static func niceCeiling(_ value: Double) -> Double {
        let magnitude = pow(10, floor(log10(value)))
        for step in [1.0, 2.0, 5.0, 10.0] where step * magnitude >= value { return step * magnitude }
        return 10 * magnitude
    }

    private static func label(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2g", value)
    }

    private static func fmt(_ value: Double) -> String { String(format: "%.1f", value) }
}
