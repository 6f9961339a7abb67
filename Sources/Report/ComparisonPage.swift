import Foundation
import RunHistory
import RunRecords

/// `labbook diff --html`: two runs side by side on one self-contained page (inline CSS and SVG, no
/// script, nothing loaded from elsewhere): what changed, and both runs' training curves overlaid.
public enum ComparisonPage {
    public static func render(_ comparison: RunComparison, relativeTo directory: URL,
                              timeZone: TimeZone = .current) -> String {
        let a = comparison.a, b = comparison.b
        var html = StandalonePage.opening(
            title: "Run \(a.id) → run \(b.id): \(escapeXML(b.notebookName))", generator: "LabBook \(escapeXML(b.labbookVersion))",
            style: style, heading: "Run \(a.id) → run \(b.id)",
            meta: escapeXML(a.title == b.title ? a.title : "\(a.title) → \(b.title)"))

        html += "<table class=\"runs\">\n<thead><tr><th></th><th>run</th><th>notebook</th><th>started</th>"
            + "<th>status</th><th>seconds</th><th>folder</th></tr></thead>\n<tbody>\n"
        for (label, run) in [("A", a), ("B", b)] {
            html += "<tr><th>\(label)</th><td>\(run.id)</td><td>\(escapeXML(run.notebookName))</td>"
                + "<td>\(escapeXML(FigureText.time(run.started, timeZone: timeZone)))</td>"
                + "<td class=\"status-\(escapeXML(run.status))\">\(escapeXML(run.status))</td>"
                + "<td>\(String(format: "%.2f", run.seconds))</td>"
                + "<td class=\"path\">\(escapeXML(FigureText.folder(run.runFolder, relativeTo: directory)))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"

        html += "<h2>Parameters</h2>\n"
        if comparison.parameters.isEmpty {
            html += "<p class=\"note\">No parameter changed.</p>\n"
        } else {
            html += "<table>\n<thead><tr><th>parameter</th><th>A</th><th>B</th></tr></thead>\n<tbody>\n"
            for change in comparison.parameters {
                html += "<tr><td>\(escapeXML(change.name))</td><td>\(escapeXML(change.old?.text ?? "(not set)"))</td>"
                    + "<td>\(escapeXML(change.new?.text ?? "(not set)"))</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }

        html += "<h2>Metrics</h2>\n"
        if comparison.metrics.isEmpty {
            html += "<p class=\"note\">Neither run recorded any metric.</p>\n"
        } else {
            html += "<table>\n<thead><tr><th>metric</th><th>A</th><th>B</th><th>change</th></tr></thead>\n<tbody>\n"
            for change in comparison.metrics {
                html += "<tr\(change.headline ? "" : " class=\"qualified\"")><td>\(escapeXML(change.name))</td>"
                    + "<td>\(change.old.map(FigureText.metric) ?? "-")</td><td>\(change.new.map(FigureText.metric) ?? "-")</td>"
                    + "<td>\(change.delta.map(FigureText.delta) ?? "")</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }

        html += "<h2>Blocks</h2>\n"
        if comparison.blocks.isEmpty {
            html += "<p class=\"note\">No blocks recorded.</p>\n"
        } else {
            html += "<p class=\"note\">Compared by cache key, which covers a block's directive, the files it reads "
                + "and every block before it.</p>\n"
            html += "<table>\n<thead><tr><th>block</th><th>A's key</th><th>B's key</th><th></th></tr></thead>\n<tbody>\n"
            for change in comparison.blocks {
                html += "<tr class=\"block-\(change.state == .same ? "same" : "changed")\">"
                    + "<td>\(escapeXML(RunComparison.describe(change)))</td>"
                    + "<td class=\"hash\">\(escapeXML(change.old?.cacheKey.map { String($0.prefix(12)) } ?? "-"))</td>"
                    + "<td class=\"hash\">\(escapeXML(change.new?.cacheKey.map { String($0.prefix(12)) } ?? "-"))</td>"
                    + "<td>\(escapeXML(change.state.rawValue))</td></tr>\n"
            }
            html += "</tbody>\n</table>\n"
        }
        switch comparison.codeChanged {
        case true?: html += "<p>The notebook changed: SHA-256 <code>\(escapeXML(String(a.codeSHA256!.prefix(12))))</code> → "
            + "<code>\(escapeXML(String(b.codeSHA256!.prefix(12))))</code>.</p>\n"
        case false?: html += "<p>The same notebook: SHA-256 <code>\(escapeXML(String(a.codeSHA256!.prefix(12))))</code>.</p>\n"
        case nil: html += "<p class=\"note\">A run has no notebook hash recorded.</p>\n"
        }
        if !comparison.settings.isEmpty {
            html += "<ul class=\"settings\">\n"
            for setting in comparison.settings {
                html += "<li>\(escapeXML(setting.what)): \(escapeXML(setting.old)) → \(escapeXML(setting.new))</li>\n"
            }
            html += "</ul>\n"
        }

        html += "<h2>Training curves</h2>\n"
        let charts = curveCharts(comparison)
        if charts.isEmpty {
            html += "<p class=\"note\">Neither run logged a training curve.</p>\n"
        }
        for chart in charts {
            html += "<figure class=\"chart\">\n\(chart)</figure>\n"
        }
        html += "<footer>Written by <code>labbook diff</code> from the run history.</footer>\n</body>\n</html>\n"
        return html
    }

    /// For each training block (the first of A with the first of B, and so on), a loss chart and
    /// an accuracy chart with both runs' curves.
    static func curveCharts(_ comparison: RunComparison) -> [String] {
        let a = comparison.a, b = comparison.b
        var charts: [String] = []
        for index in 0..<max(a.curves.count, b.curves.count) {
            let curveA = index < a.curves.count ? a.curves[index] : nil
            let curveB = index < b.curves.count ? b.curves[index] : nil
            let title = "{train} " + [(a, curveA), (b, curveB)].compactMap { run, curve in
                curve.map { curve in
                    let block = run.blocks.first { $0.position == curve.blockPosition }
                    return "line \(block?.line ?? 0)" + (block?.network.map { " (\($0))" } ?? "")
                }
            }.uniqued().joined(separator: " / ")
            var losses: [LineChart.Series] = []
            var accuracies: [LineChart.Series] = []
            var validations: [LineChart.Series] = []
            for (label, curve) in [("A: run \(a.id)", curveA), ("B: run \(b.id)", curveB)] {
                guard let curve else { continue }
                let steps = curve.points.map(\.step)
                losses.append(.init(name: label, steps: steps, values: curve.points.map(\.loss)))
                accuracies.append(.init(name: "\(label) train", steps: steps, values: curve.points.map(\.trainAccuracy)))
                let evaluated = curve.points.filter { $0.validationAccuracy != nil }
                if !evaluated.isEmpty {
                    validations.append(.init(name: "\(label) validation", steps: evaluated.map(\.step),
                                             values: evaluated.compactMap(\.validationAccuracy)))
                }
            }
            let longest = max(curveA?.points.count ?? 0, curveB?.points.count ?? 0)
            let smoothing = longest > 50 ? 0.6 : 0
            charts.append(LineChart(title: "\(title): loss", yLabel: "loss", series: losses, smoothing: smoothing).svg())
            charts.append(LineChart(title: "\(title): accuracy", yLabel: "accuracy", series: accuracies + validations,
                                    smoothing: smoothing, yAxisPercent: true).svg())
        }
        return charts
    }

    static let style = """
        :root {
          color-scheme: light dark;
          --text: #1f2328; --muted: #59636e; --background: #ffffff; --panel: #f6f8fa; --border: #d1d9e0;
          --ok: #1a7f37; --failed: #cf222e; --changed: #9a6700;
        }
        @media (prefers-color-scheme: dark) {
          :root {
            --text: #e6edf3; --muted: #9198a1; --background: #0d1117; --panel: #161b22; --border: #3d444d;
            --ok: #3fb950; --failed: #f85149; --changed: #d29922;
          }
          svg .line.series-0, svg .line-raw.series-0, svg .swatch.series-0 { stroke: #56b4e9; }
          svg circle.series-0 { fill: #56b4e9; }
        }
        * { box-sizing: border-box; }
        html { background: var(--background); color: var(--text); }
        body { margin: 0 auto; max-width: 60rem; padding: 2.5rem 1.5rem 4rem; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; }
        h1 { font-size: 2rem; margin: 0 0 .3rem; }
        h2 { margin-top: 2.2rem; border-bottom: 1px solid var(--border); padding-bottom: .3rem; }
        .meta, .note, footer { color: var(--muted); }
        code, .hash, .path { font-family: "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
        table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; margin: .6rem 0 1rem; }
        th, td { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid var(--border); overflow-wrap: anywhere; }
        tr.qualified td { color: var(--muted); }
        tr.block-changed td:last-child { color: var(--changed); font-weight: 600; }
        .status-ok { color: var(--ok); }
        .status-failed { color: var(--failed); }
        figure.chart { margin: 1rem 0; break-inside: avoid; }
        figure.chart svg { display: block; width: 100%; height: auto; }
        footer { margin-top: 3rem; border-top: 1px solid var(--border); padding-top: 1rem; font-size: 14px; }
        """
}

private extension Array where Element: Hashable {
    /// The elements without repeats, in order.
    func uniqued() -> [Element] {
        var seen = Set<Element>()
        return filter { seen.insert($0).inserted }
    }
}
