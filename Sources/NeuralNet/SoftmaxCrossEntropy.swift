import Foundation

/// Sparse softmax cross-entropy, averaged over the batch: TensorFlow's
/// `reduce_mean(sparse_softmax_cross_entropy_with_logits(labels, logits))`.
///
/// Each row is computed as `logSumExp(logits) - logits[label]`, with the row's maximum subtracted
/// before exponentiating, so large logits neither overflow nor lose the answer.
public enum SoftmaxCrossEntropy {
    /// The mean loss over `batchSize` rows of `classes` logits. When `gradient` is given it receives
    /// dLoss/dLogits: `(softmax - oneHot(label)) / batchSize`. Sums run row by row, in order.
    /// `correct`, when given, receives how many rows have their label as the first largest logit.
    /// `gradientBatchSize`, when the rows are one part of a larger batch, is that batch's size: the
    /// gradient is of the whole batch's mean (the returned loss is still this part's mean).
    public static func loss(
        logits: UnsafePointer<Float>, labels: UnsafePointer<Int32>, batchSize: Int, classes: Int,
        gradient: UnsafeMutablePointer<Float>? = nil, correct: UnsafeMutablePointer<Int>? = nil,
        gradientBatchSize: Int? = nil
    ) -> Double {
        var total = 0.0
        var correctCount = 0
        let scale = 1 / Float(gradientBatchSize ?? batchSize)
        for row in 0..<batchSize {
            let z = logits + row * classes
            let label = Int(labels[row])
            precondition(label >= 0 && label < classes, "label \(label) outside 0..<\(classes)")
            let largestIndex = Metrics.argmax(z, count: classes)
            let largest = z[largestIndex]
            if largestIndex == label { correctCount += 1 }
            var sum: Float = 0
            for c in 0..<classes { sum += Foundation.exp(z[c] - largest) }
            let logSumExp = largest + Foundation.log(sum)
            total += Double(logSumExp - z[label])
            if let gradient {
                let g = gradient + row * classes
                for c in 0..<classes {
                    g[c] = Foundation.exp(z[c] - logSumExp) * scale
                }
                g[label] -= scale
            }
        }
        correct?.pointee = correctCount
        return total / Double(batchSize)
    }

    /// The mean loss of `logits` `[batchSize, classes]` against integer `labels`, and dLoss/dLogits.
    public static func lossAndGradient(logits: Tensor, labels: [Int32]) -> (loss: Double, gradient: Tensor) {
        precondition(logits.rows == labels.count, "\(logits.rows) rows of logits, \(labels.count) labels")
        var gradient = Tensor(shape: logits.shape)
        let loss = logits.scalars.withUnsafeBufferPointer { z in
            labels.withUnsafeBufferPointer { y in
                gradient.scalars.withUnsafeMutableBufferPointer { g in
                    Self.loss(logits: z.baseAddress!, labels: y.baseAddress!, batchSize: logits.rows,
                              classes: logits.columns, gradient: g.baseAddress!)
                }
            }
        }
        return (loss, gradient)
    }
}
