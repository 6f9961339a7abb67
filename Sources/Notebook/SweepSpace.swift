import Foundation
import NeuralNet

/// One axis of a sweep, as `-p` writes it: `NAME=V1,V2,...` (a grid axis), or a distribution that
/// random search draws from: `NAME=uniform(A,B)`, `NAME=log-uniform(A,B)`, `NAME=int-uniform(A,B)`.
public struct SweepAxis: Sendable, Equatable {
    public enum Values: Sendable, Equatable {
        case list([String])
        case uniform(Double, Double)
        case logUniform(Double, Double)
        /// Both ends included.
        case intUniform(Int, Int)
    }

    public var name: String
    public var values: Values

    public init(name: String, values: Values) {
        self.name = name
        self.values = values
    }

    /// Reads `NAME=...` as `-p` gives it; messages start with `origin` (`-p`, or the front matter's `sweep:`).
    public init(parsing text: String, origin: String = "-p") throws(SweepSpaceError) {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw SweepSpaceError("\(origin) expects NAME=V1,V2,... or NAME=uniform(A,B), got '\(text)'")
        }
        name = String(text[..<equals])
        let spec = String(text[text.index(after: equals)...]).trimmingCharacters(in: .whitespaces)
        values = try Self.values(spec, name: "\(origin) \(name)")
    }

    private static func values(_ spec: String, name: String) throws(SweepSpaceError) -> Values {
        for function in ["log-uniform", "int-uniform", "uniform"] where spec.hasPrefix(function + "(") {
            guard spec.hasSuffix(")") else { throw SweepSpaceError("\(name)=\(spec): '\(function)(' has no closing ')'") }
            let inside = spec.dropFirst(function.count + 1).dropLast()
            let bounds = inside.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard bounds.count == 2 else {
                throw SweepSpaceError("\(name)=\(spec): \(function) takes two bounds, \(function)(LOW,HIGH)")
            }
            if function == "int-uniform" {
                guard let low = Int(bounds[0]), let high = Int(bounds[1]), low <= high else {
                    throw SweepSpaceError("\(name)=\(spec): int-uniform needs two integers, the first not above the second")
                }
                return .intUniform(low, high)
            }
            guard let low = Double(bounds[0]), let high = Double(bounds[1]), low.isFinite, high.isFinite, low <= high else {
                throw SweepSpaceError("\(name)=\(spec): \(function) needs two finite numbers, the first not above the second")
            }
            if function == "log-uniform" {
                guard low > 0 else { throw SweepSpaceError("\(name)=\(spec): log-uniform needs bounds above 0") }
                return .logUniform(low, high)
            }
            return .uniform(low, high)
        }
        let items = spec.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard !items.contains(where: \.isEmpty) else { throw SweepSpaceError("\(name)=\(spec): a value in the list is empty") }
        return .list(items)
    }

    /// The axis as `-p` writes it, which `init(parsing:)` reads back.
    public var specification: String {
        switch values {
        case .list(let items): "\(name)=\(items.joined(separator: ","))"
        case .uniform(let low, let high): "\(name)=uniform(\(low),\(high))"
        case .logUniform(let low, let high): "\(name)=log-uniform(\(low),\(high))"
        case .intUniform(let low, let high): "\(name)=int-uniform(\(low),\(high))"
        }
    }

    public var isDistribution: Bool {
        if case .list = values { false } else { true }
    }

    /// Whether the axis spreads its values on a log scale (for charts).
    public var isLogarithmic: Bool {
        if case .logUniform = values { true } else { false }
    }

    /// A value drawn from the axis: a list's item picked uniformly, or a draw from the distribution,
    /// printed with 4 significant digits so that trial names and tables stay readable.
    func draw(using generator: inout SeededGenerator) -> String {
        switch values {
        case .list(let items):
            return items[generator.nextInt(below: items.count)]
        case .uniform(let low, let high):
            return Self.format(low + (high - low) * generator.nextDouble())
        case .logUniform(let low, let high):
            return Self.format(exp(log(low) + (log(high) - log(low)) * generator.nextDouble()))
        case .intUniform(let low, let high):
            return String(low + generator.nextInt(below: high - low + 1))
        }
    }

    static func format(_ value: Double) -> String {
        String(format: "%.4g", value)
    }
}

/// A sweep that can not be planned: a malformed axis, a grid too large, a distribution without a
/// trial count. A command-line mistake.
public struct SweepSpaceError: Error, Sendable, Equatable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// One run of a sweep: its parameter values (in axis order) and seed.
public struct SweepTrial: Sendable, Equatable, Codable {
    public var parameters: [String: String]
    /// The axes' names in order, so that tables and ids list them the same way every time.
    public var order: [String]
    /// The notebook's seed for this trial: its own, or one of `--seeds`.
    public var seed: UInt64

    /// `-p NAME=VALUE` overrides for `labbook run`.
    public var overrides: [String] { order.map { "\($0)=\(parameters[$0]!)" } }

    /// A folder name derived from the parameters and seed alone, so a rerun of the sweep finds the
    /// same trial in the same folder (and its cached blocks): `hidden1-128_learning_rate-0.01_seed-1`,
    /// shortened to a hash when the values make it long or unsafe as a file name.
    public var id: String {
        let readable = (order.map { "\($0)-\(parameters[$0]!)" } + ["seed-\(seed)"]).joined(separator: "_")
        let safe = readable.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "-_.+".unicodeScalars.contains($0) }
        if safe && readable.utf8.count <= 100 && !readable.hasPrefix(".") { return readable }
        return "trial-" + String(SHA256Hex.of(readable.utf8).prefix(16))
    }
}

/// The trials of a sweep: the grid of every list axis (or `trials` random draws), each repeated
/// with `seeds` seeds counting up from the notebook's.
public enum SweepSpace {
    /// Grids larger than this need `--max-trials`.
    public static let defaultMaximumTrials = 1000

    public static func trials(axes: [SweepAxis], randomTrials: Int?, seeds: Int, notebookSeed: UInt64,
                              maximumTrials: Int = defaultMaximumTrials) throws(SweepSpaceError) -> [SweepTrial] {
        guard !axes.isEmpty else { throw SweepSpaceError("a sweep needs at least one axis: -p NAME=V1,V2,..., or the front matter's sweep:") }
        let names = axes.map(\.name)
        if let duplicate = names.first(where: { name in names.filter { $0 == name }.count > 1 }) {
            throw SweepSpaceError("-p \(duplicate) is given twice")
        }
        guard seeds >= 1 else { throw SweepSpaceError("--seeds must be at least 1") }
        var settings: [[String: String]] = []
        if let randomTrials {
            guard randomTrials >= 1 else { throw SweepSpaceError("--trials must be at least 1") }
            // Drawn from the notebook's seed (mixed, so the draws differ from the notebook's own).
            var generator = SeededGenerator(seed: notebookSeed ^ 0x5357_4545_5053_5041)
            for _ in 0..<randomTrials {
                var setting: [String: String] = [:]
                for axis in axes { setting[axis.name] = axis.draw(using: &generator) }
                settings.append(setting)
            }
        } else {
            if let axis = axes.first(where: \.isDistribution) {
                throw SweepSpaceError("-p \(axis.name) is a distribution, which random search draws from: give --trials N")
            }
            settings = [[:]]
            for axis in axes {
                guard case .list(let items) = axis.values else { continue }
                settings = settings.flatMap { setting in items.map { item in setting.merging([axis.name: item]) { $1 } } }
                if settings.count > maximumTrials { break }
            }
        }
        let total = settings.count.multipliedReportingOverflow(by: seeds)
        guard !total.overflow, total.partialValue <= maximumTrials else {
            throw SweepSpaceError("the sweep has more than \(maximumTrials) trials; pass --max-trials N to run that many")
        }
        var trials: [SweepTrial] = []
        var seen: Set<String> = []
        for setting in settings {
            for offset in 0..<seeds {
                let trial = SweepTrial(parameters: setting, order: names, seed: notebookSeed &+ UInt64(offset))
                // A random search may draw the same setting twice; it runs once.
                if seen.insert(trial.id).inserted { trials.append(trial) }
            }
        }
        return trials
    }
}
