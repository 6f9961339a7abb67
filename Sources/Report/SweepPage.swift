import Foundation
import RunRecords

/// A sweep's comparison page, `sweeps/<notebook>/index.html`: self-contained like the report (inline
/// CSS and SVG, nothing loaded from elsewhere). It reads without script; a few lines of inline
/// script only add the switch that hides the parameters every trial shares.
public enum SweepPage {
    /// - curves: each trial's training history (its training blocks' points in order), by trial id.
    public static func render(_ sweep: SweepRecord, curves: [String: [TrainingPoint]]) -> String {
        let metric = sweep.rankedMetric ?? "test_accuracy"
        let names = sweep.axes.map(\.name)
        let varying = Set(names.filter { name in Set(sweep.trials.map { $0.parameters[name] ?? "" }).count > 1 })
        let metricNames = orderedMetrics(sweep, first: metric)
        let percent = { (name: String) in name.hasSuffix("accuracy") }
        var html = StandalonePage.opening(
            title: "Sweep: \(escapeXML(sweep.notebook))", style: style, heading: "Sweep of \(escapeXML(sweep.notebook))",
            meta: "\(sweep.trials.count) trials, \(sweep.trials.filter { $0.status == "ok" }.count) finished, "
                + "\(sweep.failedCount) failed; ranked by \(escapeXML(metric)) (\(sweep.goal == "min" ? "smaller" : "larger") is better)"
                + (sweep.seeds > 1 ? "; every setting with \(sweep.seeds) seeds" : ""))

        html += "<h2>Trials</h2>\n"
        if !varying.isEmpty && varying.count < names.count {
            html += "<p><label><input type=\"checkbox\" id=\"only-varying\" /> only the parameters that vary</label></p>\n"
        }
        html += "<table class=\"trials\" id=\"trials\">\n<thead><tr><th>trial</th>"
        for name in names { html += "<th class=\"\(varying.contains(name) ? "varies" : "same")\">\(escapeXML(name))</th>" }
        html += "<th>seed</th>"
        for name in metricNames { html += "<th>\(escapeXML(name))</th>" }
        html += "<th>seconds</th><th>status</th></tr></thead>\n<tbody>\n"
        for trial in rankedRows(sweep, metric: metric) {
            let best = trial.id == sweep.best
            html += "<tr class=\"\(best ? "best " : "")status-\(escapeXML(trial.status))\">"
            html += "<td><a href=\"\(escapeXML(trial.folder))/\(trial.status == "failed" ? "report.failed.html" : "report.html")\">"
                + "\(escapeXML(trial.id))</a>\(best ? " <span class=\"badge\">best</span>" : "")</td>"
            for name in names {
                html += "<td class=\"\(varying.contains(name) ? "varies" : "same")\">\(escapeXML(trial.parameters[name] ?? ""))</td>"
            }
            html += "<td>\(trial.seed)</td>"
            for name in metricNames {
                html += "<td class=\"number\">\(trial.metrics[name].map { formatValue($0, percent: percent(name)) } ?? "")</td>"
            }
            html += "<td class=\"number\">\(trial.seconds.map { String(format: "%.1f", $0) } ?? "")</td>"
            html += "<td\(trial.error.map { " title=\"\(escapeXML($0))\"" } ?? "")>\(escapeXML(trial.status))</td></tr>\n"
        }
        html += "</tbody>\n</table>\n"
        html += seedTable(sweep, names: names, metric: metric, percent: percent(metric))

        let finished = sweep.trials.filter { $0.status != "pending" }
        let series = finished.compactMap { trial -> (String, [TrainingPoint])? in
            curves[trial.id].flatMap { $0.isEmpty ? nil : (trial.id, $0) }
        }
        if !series.isEmpty {
            html += "<h2>Training curves</h2>\n<div class=\"charts\">\n"
            html += LineChart(title: "Loss", yLabel: "loss", series: series.map { id, points in
                LineChart.Series(name: id, steps: points.map(\.step), values: points.map(\.loss))
            }, smoothing: 0.6).svg()
            html += LineChart(title: "Training accuracy", yLabel: "accuracy", series: series.map { id, points in
                LineChart.Series(name: id, steps: points.map(\.step), values: points.map(\.trainAccuracy))
            }, smoothing: 0.6, yAxisPercent: true).svg()
            // Measured on the whole validation split at each evaluation: exact, so drawn unsmoothed.
            let validation = series.compactMap { id, points -> LineChart.Series? in
                let evaluated = points.filter { $0.validationAccuracy != nil }
                return evaluated.isEmpty ? nil : LineChart.Series(name: id, steps: evaluated.map(\.step),
                                                                  values: evaluated.map { $0.validationAccuracy! })
            }
            if !validation.isEmpty {
                html += LineChart(title: "Validation accuracy", yLabel: "accuracy", series: validation, smoothing: 0,
                                  yAxisPercent: true).svg()
            }
            html += "</div>\n"
        }

        let ranked = sweep.trials.filter { $0.status == "ok" && $0.metrics[metric] != nil }
        if !ranked.isEmpty {
            html += "<h2>\(escapeXML(metric)) against each parameter</h2>\n<div class=\"charts\">\n"
            for axis in sweep.axes where varying.contains(axis.name) {
                html += ScatterChart(title: "\(metric) by \(axis.name)", xLabel: axis.name, yLabel: metric,
                                     points: ranked.map { trial in
                    ScatterChart.Point(label: trial.parameters[axis.name] ?? "", y: trial.metrics[metric]!, tooltip: trial.id,
                                       highlighted: trial.id == sweep.best)
                }, logarithmic: axis.kind == "log-uniform", yAxisPercent: percent(metric)).svg()
            }
            html += "</div>\n"
            if varying.count >= 1 {
                html += "<h2>Parameters to \(escapeXML(metric))</h2>\n<div class=\"wide\">\n"
                html += ParallelCoordinates(title: "Each trial from its parameters to \(metric)",
                                            axes: sweep.axes.filter { varying.contains($0.name) }.map {
                    ParallelCoordinates.Axis(name: $0.name, logarithmic: $0.kind == "log-uniform")
                }, metric: metric, lines: ranked.map { trial in
                    ParallelCoordinates.Line(values: trial.parameters, metric: trial.metrics[metric]!, tooltip: trial.id,
                                             highlighted: trial.id == sweep.best)
                }, goal: sweep.goal, metricPercent: percent(metric)).svg()
                html += "</div>\n"
            }
        }
        html += """
            <footer><p>The trials' data: <a href="sweep.json">sweep.json</a>.</p></footer>
            <script>
            var box = document.getElementById("only-varying");
            if (box) box.addEventListener("change", function () {
              document.getElementById("trials").classList.toggle("only-varying", box.checked);
            });
            </script>
            </body>
            </html>

            """
        return html
    }

    /// The trials best first by `metric` (as the sweep's goal says), then those without it (failed,
    /// pending) in the sweep's order.
    static func rankedRows(_ sweep: SweepRecord, metric: String) -> [SweepRecord.Trial] {
        sweep.trials.rankedBestFirst(lowestFirst: sweep.goal == "min") { $0.status == "ok" ? $0.metrics[metric] : nil }
    }

    /// Metric columns: the ranked one first, then the others every trial may have, alphabetically.
    static func orderedMetrics(_ sweep: SweepRecord, first: String) -> [String] {
        let all = Set(sweep.trials.flatMap(\.metrics.keys)).subtracting(["last_accuracy", first])
        return [first] + all.sorted()
    }

    /// With several seeds per setting: each setting's mean and standard deviation of the metric.
    static func seedTable(_ sweep: SweepRecord, names: [String], metric: String, percent: Bool) -> String {
        guard sweep.seeds > 1 else { return "" }
        var groups: [[String]: [Double]] = [:]
        var order: [[String]] = []
        for trial in sweep.trials where trial.status == "ok" {
            let key = names.map { trial.parameters[$0] ?? "" }
            if groups[key] == nil { order.append(key) }
            if let value = trial.metrics[metric] { groups[key, default: []].append(value) }
        }
        guard !order.isEmpty else { return "" }
        var html = "<h2>Over seeds</h2>\n<table class=\"seeds\">\n<thead><tr>"
        for name in names { html += "<th>\(escapeXML(name))</th>" }
        html += "<th>seeds</th><th>mean \(escapeXML(metric))</th><th>standard deviation</th><th>min</th><th>max</th></tr></thead>\n<tbody>\n"
        for key in order {
            let values = groups[key] ?? []
            let mean = values.reduce(0, +) / Double(max(values.count, 1))
            let spread = values.count > 1
                ? (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)).squareRoot() : 0
            html += "<tr>" + key.map { "<td>\(escapeXML($0))</td>" }.joined() + "<td>\(values.count)</td>"
            html += values.isEmpty ? "<td></td><td></td><td></td><td></td>"
                : "<td class=\"number\">\(formatValue(mean, percent: percent))</td><td class=\"number\">\(formatValue(spread, percent: percent))</td>"
                    + "<td class=\"number\">\(formatValue(values.min()!, percent: percent))</td>"
                    + "<td class=\"number\">\(formatValue(values.max()!, percent: percent))</td>"
            html += "</tr>\n"
        }
        return html + "</tbody>\n</table>\n"
    }

    static let style = """
        body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;\
        color:#1f2328;background:#fff;line-height:1.45}
        h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem}
        .meta{color:#59636e;margin-top:0}
        table{border-collapse:collapse;font-size:.9rem;display:block;overflow-x:auto}
        th,td{padding:.3rem .6rem;border-bottom:1px solid #d1d9e0;text-align:left;white-space:nowrap}
        td.number{text-align:right;font-variant-numeric:tabular-nums}
        tr.best{background:#dafbe1;font-weight:600}tr.status-failed{color:#cf222e}
        .badge{font-size:.75rem;background:#1a7f37;color:#fff;border-radius:.6rem;padding:0 .4rem}
        table.only-varying .same{display:none}
        .charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}
        svg.chart{max-width:100%;height:auto}.wide{max-width:760px}
        footer{margin-top:2rem;color:#59636e;font-size:.85rem}
        @media (prefers-color-scheme: dark){body{color:#e6edf3;background:#0d1117}th,td{border-color:#30363d}\
        tr.best{background:#033a16}.meta,footer{color:#9198a1}}
        """
}
