import Foundation
import NeuralNet

/// A synthetic spiral: `classes` arms of points in the plane, the classic dataset a linear classifier
/// cannot separate (CS231n's). Arm `k`'s `i`-th point of `n` lies at radius `r = i/(n-1)` and angle
/// `4k + 4r + noise·N(0,1)` radians.
public enum Spiral {
    public static func make(classes: Int, pointsPerClass: Int, noise: Double, seed: UInt64) -> Dataset {
        precondition(classes >= 2 && classes <= 256 && pointsPerClass >= 2, "spiral needs 2+ classes and 2+ points")
        var generator = SeededGenerator(seed: seed)
        let train = arms(classes: classes, points: pointsPerClass, noise: noise, generator: &generator)
        let test = arms(classes: classes, points: pointsPerClass, noise: noise, generator: &generator)
        return Dataset(name: "spiral", classNames: (0..<classes).map { "arm \($0)" }, imageShape: nil,
                       train: train, test: test)
    }

    private static func arms(
        classes: Int, points: Int, noise: Double, generator: inout SeededGenerator
    ) -> LabeledExamples {
        var coordinates: [Float] = []
        var labels: [UInt8] = []
        coordinates.reserveCapacity(classes * points * 2)
        for arm in 0..<classes {
            for i in 0..<points {
                let radius = Double(i) / Double(points - 1)
                let angle = 4 * Double(arm) + 4 * radius + noise * generator.nextNormal()
                coordinates.append(Float(radius * sin(angle)))
                coordinates.append(Float(radius * cos(angle)))
                labels.append(UInt8(arm))
            }
        }
        return LabeledExamples(features: .floats(coordinates), labels: labels, featureCount: 2)
    }
}
