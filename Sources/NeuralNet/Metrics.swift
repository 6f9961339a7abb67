/// Classification metrics computed from logits or predictions.
public enum Metrics {
    /// The index of the first largest of `count` values (ties go to the lower index, as in numpy).
    @inlinable
    public static func argmax(_ values: UnsafePointer<Float>, count: Int) -> Int {
        var best = 0
        for i in 1..<count where values[i] > values[best] { best = i }
        return best
    }

    /// The index of the first largest value in each row of `logits` `[rows, classes]`.
    public static func argmax(_ logits: Tensor) -> [Int] {
        logits.scalars.withUnsafeBufferPointer { z in
            (0..<logits.rows).map { argmax(z.baseAddress! + $0 * logits.columns, count: logits.columns) }
        }
    }

    /// The fraction of `predictions` equal to `labels`; 0 for no examples.
    public static func accuracy(predictions: [Int], labels: [Int32]) -> Double {
        precondition(predictions.count == labels.count, "\(predictions.count) predictions, \(labels.count) labels")
        guard !labels.isEmpty else { return 0 }
        let hits = zip(predictions, labels).reduce(0) { $0 + ($1.0 == Int($1.1) ? 1 : 0) }
        return Double(hits) / Double(labels.count)
    }
}

/// Counts of (true class, predicted class) pairs.
public struct ConfusionMatrix: Sendable, Equatable, Codable {
    public let classes: Int
    /// `counts[actual * classes + predicted]`.
    public private(set) var counts: [Int]

    public init(classes: Int) {
        self.classes = classes
        counts = Array(repeating: 0, count: classes * classes)
    }

    public mutating func add(actual: Int, predicted: Int) {
        counts[actual * classes + predicted] += 1
    }

    public subscript(actual: Int, predicted: Int) -> Int {
        counts[actual * classes + predicted]
    }

    public var total: Int { counts.reduce(0, +) }
    public var correct: Int { (0..<classes).reduce(0) { $0 + self[$1, $1] } }
    public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }

    /// The accuracy within each true class (recall); 0 for a class with no examples.
    public var perClassAccuracy: [Double] {
        (0..<classes).map { actual in
            let row = (0..<classes).reduce(0) { $0 + self[actual, $1] }
            return row == 0 ? 0 : Double(self[actual, actual]) / Double(row)
        }
    }
}
