/// How a layer's parameters are first filled. Every random draw comes from a `SeededGenerator`.
public enum Initializer: String, CaseIterable, Sendable, Codable {
    /// Normal with standard deviation 1/sqrt(fanIn), values beyond two standard deviations redrawn:
    /// TensorFlow's `truncated_normal_initializer(stddev=1/sqrt(fan_in))`, as the tutorial uses.
    case truncatedNormal = "truncated-normal"
    /// He et al. (2015): normal with standard deviation sqrt(2/fanIn), for ReLU layers.
    case he
    /// Glorot and Bengio (2010): uniform in ±sqrt(6/(fanIn+fanOut)), Keras' default.
    case glorot
    case zeros

    /// A tensor of `shape` for a layer with `fanIn` inputs and `fanOut` outputs.
    public func makeTensor(
        shape: [Int], fanIn: Int, fanOut: Int, using generator: inout SeededGenerator
    ) -> Tensor {
        let count = shape.reduce(1, *)
        var scalars = [Float]()
        scalars.reserveCapacity(count)
        switch self {
        case .truncatedNormal:
            let stddev = 1 / Double(fanIn).squareRoot()
            for _ in 0..<count {
                var draw = generator.nextNormal()
                while abs(draw) > 2 { draw = generator.nextNormal() }
                scalars.append(Float(draw * stddev))
            }
        case .he:
            let stddev = (2 / Double(fanIn)).squareRoot()
            for _ in 0..<count { scalars.append(Float(generator.nextNormal() * stddev)) }
        case .glorot:
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            for _ in 0..<count { scalars.append(Float((2 * generator.nextDouble() - 1) * limit)) }
        case .zeros:
            scalars = Array(repeating: 0, count: count)
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}
