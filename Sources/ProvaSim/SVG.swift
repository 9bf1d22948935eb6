/// Minimal SVG charts written by hand (no dependencies): line charts and bar charts with axes and a legend.
public enum SVG {
    public struct Series: Sendable {
        public var name: String
        public var points: [(x: Double, y: Double)]
        public var color: String
        public var dashed: Bool

        public init(name: String, points: [(x: Double, y: Double)], color: String, dashed: Bool = false) {
            self.name = name; self.points = points; self.color = color; self.dashed = dashed
        }
    }

    public static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#7f7f7f"]

    static let width = 720.0, height = 400.0
    static let left = 70.0, right = 20.0, top = 40.0, bottom = 50.0

    static func number(_ value: Double) -> String { SimReport.format(value, decimals: 1) }

    static func escape(_ text: String) -> String {
        text.replacingAll("&", with: "&amp;").replacingAll("<", with: "&lt;").replacingAll(">", with: "&gt;")
    }

    static func header(_ title: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="sans-serif" font-size="12">
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(number(width / 2))" y="22" text-anchor="middle" font-size="15" font-weight="bold">\(escape(title))</text>

        """
    }

    /// Axes with ticks at `ticks` divisions, labelled by `format`.
    static func axes(xRange: ClosedRange<Double>, yRange: ClosedRange<Double>, xLabel: String, yLabel: String,
                     xFormat: (Double) -> String, yFormat: (Double) -> String) -> String {
        var out = ""
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        out += "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        for step in 0...5 {
            let fraction = Double(step) / 5
            let y = top + plotHeight * (1 - fraction)
            let yValue = yRange.lowerBound + (yRange.upperBound - yRange.lowerBound) * fraction
            out += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\" stroke=\"#ddd\"/>\n"
            out += "<text x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(escape(yFormat(yValue)))</text>\n"
            let x = left + plotWidth * fraction
            let xValue = xRange.lowerBound + (xRange.upperBound - xRange.lowerBound) * fraction
            out += "<text x=\"\(number(x))\" y=\"\(number(height - bottom + 16))\" text-anchor=\"middle\">\(escape(xFormat(xValue)))</text>\n"
        }
        out += "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(height - 10))\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text x=\"16\" y=\"\(number(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(number(top + plotHeight / 2)))\">\(escape(yLabel))</text>\n"
        return out
    }

    static func legend(_ names: [(String, String)]) -> String {
        var out = ""
        for (index, (name, color)) in names.enumerated() {
            let y = top + 14 + Double(index) * 16
            out += "<rect x=\"\(number(left + 10))\" y=\"\(number(y - 9))\" width=\"12\" height=\"10\" fill=\"\(color)\"/>\n"
            out += "<text x=\"\(number(left + 28))\" y=\"\(number(y))\">\(escape(name))</text>\n"
        }
        return out
    }

    public static func lineChart(title: String, series: [Series], xLabel: String, yLabel: String, xRange: ClosedRange<Double>? = nil,
                                 yRange: ClosedRange<Double>, xFormat: (Double) -> String = { SimReport.format($0, decimals: 0) },
                                 yFormat: (Double) -> String = { SimReport.format($0, decimals: 0) }) -> String {
        let allX = series.flatMap { $0.points.map(\.x) }
        let xs = xRange ?? ((allX.min() ?? 0)...max(allX.max() ?? 1, (allX.min() ?? 0) + 1e-9))
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        func px(_ x: Double) -> Double { left + (x - xs.lowerBound) / (xs.upperBound - xs.lowerBound) * plotWidth }
        func py(_ y: Double) -> Double {
            let clamped = min(max(y, yRange.lowerBound), yRange.upperBound)
            return top + plotHeight * (1 - (clamped - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound))
        }
        var out = header(title)
        out += axes(xRange: xs, yRange: yRange, xLabel: xLabel, yLabel: yLabel, xFormat: xFormat, yFormat: yFormat)
        for line in series where !line.points.isEmpty {
            let path = line.points.map { "\(number(px($0.x))),\(number(py($0.y)))" }.joined(separator: " ")
            out += "<polyline fill=\"none\" stroke=\"\(line.color)\" stroke-width=\"1.6\"\(line.dashed ? " stroke-dasharray=\"5,4\"" : "") points=\"\(path)\"/>\n"
        }
        out += legend(series.map { ($0.name, $0.color) })
        return out + "</svg>\n"
    }

    /// Grouped bars: one group per category, one bar per series.
    public static func barChart(title: String, categories: [String], series: [(name: String, values: [Double])], yLabel: String,
                                yFormat: (Double) -> String = { SimReport.format($0, decimals: 0) }) -> String {
        let maxValue = max(series.flatMap(\.values).max() ?? 1, 1e-9) * 1.15
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        var out = header(title)
        out += "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"none\" stroke=\"#333\"/>\n"
        for step in 0...5 {
            let fraction = Double(step) / 5
            let y = top + plotHeight * (1 - fraction)
            out += "<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(width - right))\" y2=\"\(number(y))\" stroke=\"#ddd\"/>\n"
            out += "<text x=\"\(number(left - 6))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(escape(yFormat(maxValue * fraction)))</text>\n"
        }
        let groupWidth = plotWidth / Double(max(categories.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        for (c, category) in categories.enumerated() {
            let groupLeft = left + groupWidth * Double(c) + groupWidth * 0.1
            for (s, entry) in series.enumerated() where c < entry.values.count {
                let value = entry.values[c]
                let barHeight = plotHeight * value / maxValue
                let x = groupLeft + barWidth * Double(s)
                out += "<rect x=\"\(number(x))\" y=\"\(number(top + plotHeight - barHeight))\" width=\"\(number(barWidth * 0.92))\" height=\"\(number(barHeight))\" fill=\"\(palette[s % palette.count])\"/>\n"
                out += "<text x=\"\(number(x + barWidth * 0.46))\" y=\"\(number(top + plotHeight - barHeight - 3))\" text-anchor=\"middle\" font-size=\"10\">\(escape(yFormat(value)))</text>\n"
            }
            out += "<text x=\"\(number(groupLeft + groupWidth * 0.4))\" y=\"\(number(height - bottom + 16))\" text-anchor=\"middle\">\(escape(category))</text>\n"
        }
        out += "<text x=\"16\" y=\"\(number(top + plotHeight / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(number(top + plotHeight / 2)))\">\(escape(yLabel))</text>\n"
        if series.count > 1 { out += legend(series.enumerated().map { ($1.name, palette[$0 % palette.count]) }) }
        return out + "</svg>\n"
    }
}

extension String {
    /// Replaces every occurrence of `target` (non-empty), with the standard library's string processing.
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        return replacing(target, with: replacement)
    }
}
