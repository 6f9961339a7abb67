import FileFormats
import Foundation

/// What `labbook sweep` tells each trial about the whole sweep, so that every trial's event file
/// describes the experiment for TensorBoard's HParams dashboard: the axes and their domains, how
/// seeds repeat each setting, and the metric that ranks the trials.
public struct SweepExperiment: Sendable, Equatable {
    public var axes: [SweepAxis]
    /// Every trial's seed.
    public var seeds: [UInt64]
    /// As `labbook sweep --metric` names it (`validation_accuracy`); nil for the default.
    public var metric: String?

    public init(axes: [SweepAxis], seeds: [UInt64], metric: String?) {
        self.axes = axes
        self.seeds = seeds
        self.metric = metric
    }
}

/// The HParams summaries of a run: its parameters and seed as the session's hyperparameters, and
/// for a sweep's trial the experiment, whose metrics are the scalars the run logs to TensorBoard.
enum HParamsSummaries {
    /// Each parameter's value (numbers as numbers), then the seed.
    static func sessionValues(_ plan: NotebookPlan) -> [(name: String, value: HParamValue)] {
        plan.parameters.map { ($0.name, value($0.value)) } + [("seed", .number(Double(plan.frontMatter.seed)))]
    }

    static func experiment(_ plan: NotebookPlan, sweep: SweepExperiment) -> HParamsExperiment {
        var parameters = plan.parameters.map { parameter -> HParamsExperiment.Parameter in
            let type = dataType(parameter.value)
            guard let axis = sweep.axes.first(where: { $0.name == parameter.name }) else {
                return .init(name: parameter.name, type: type, domain: .discrete([value(parameter.value)]), differs: false)
            }
            let domain: HParamsExperiment.Parameter.Domain
            let differs: Bool
            switch axis.values {
            case .list(let items):
                domain = .discrete(items.map { item in
                    type == .float64 ? Double(item).map(HParamValue.number) ?? .string(item)
                        : type == .bool ? .bool(item.lowercased() == "true") : .string(item)
                })
                differs = Set(items).count > 1
            case .uniform(let low, let high), .logUniform(let low, let high):
                domain = .interval(min: low, max: high)
                differs = low < high
            case .intUniform(let low, let high):
                domain = .interval(min: Double(low), max: Double(high))
                differs = low < high
            }
            return .init(name: parameter.name, type: type, domain: domain, differs: differs)
        }
        parameters.append(.init(name: "seed", type: .float64, domain: sweep.seeds.isEmpty ? nil : .discrete(sweep.seeds.map { .number(Double($0)) }),
                                differs: sweep.seeds.count > 1))

        var tags: [HParamsExperiment.Metric] = []
        func add(_ tag: String, _ type: HParamsExperiment.Metric.DatasetType) {
            if !tags.contains(where: { $0.tag == tag }) { tags.append(.init(tag: tag, datasetType: type)) }
        }
        if let ranking = tensorBoardTag(forMetric: sweep.metric ?? "test_accuracy") {
            add(ranking, ranking.hasSuffix("validation") ? .validation : ranking == "loss" ? .training : .unknown)
        }
        for block in plan.blocks {
            switch block.directive {
            case .train(let train):
                add("loss", .training)
                add("accuracy/train", .training)
                if train.evalEvery != nil { add("accuracy/validation", .validation) }
            case .evaluate(let evaluate):
                let type: HParamsExperiment.Metric.DatasetType = evaluate.split == .validation ? .validation
                    : evaluate.split == .train ? .training : .unknown
                add("accuracy/\(evaluate.split.rawValue)", type)
                add("loss/\(evaluate.split.rawValue)", type)
            default:
                break
            }
        }
        let name = URL(fileURLWithPath: plan.source.path).deletingPathExtension().lastPathComponent
        return HParamsExperiment(name: plan.frontMatter.title ?? name, parameters: parameters, metrics: tags)
    }

    /// The scalar tag a run logs a sweep metric under (`validation_accuracy`: `accuracy/validation`),
    /// or nil for metrics computed only afterwards (`best_validation_accuracy`).
    static func tensorBoardTag(forMetric metric: String) -> String? {
        if metric == "final_loss" { return "loss" }
        for split in Split.allCases {
            if metric == "\(split.rawValue)_accuracy" { return "accuracy/\(split.rawValue)" }
            if metric == "\(split.rawValue)_loss" { return "loss/\(split.rawValue)" }
        }
        return nil
    }

    private static func value(_ scalar: ScalarValue) -> HParamValue {
        switch scalar {
        case .int(let number): .number(Double(number))
        case .float(let number): .number(number)
        case .bool(let flag): .bool(flag)
        case .string(let text): .string(text)
        case .null: .string("null")
        }
    }

    private static func dataType(_ scalar: ScalarValue) -> HParamsExperiment.Parameter.DataType {
        switch scalar {
        case .int, .float: .float64
        case .bool: .bool
        case .string, .null: .string
        }
    }
}
