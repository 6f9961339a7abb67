/// The mean of each channel over the whole image, `[H, W, C] -> [C]`: the usual bridge from
/// convolutions to the classifier in networks after Lin et al.'s "Network in Network", with no
/// parameters and no dependence on the image size, where `flatten` then `dense` would need many.
public struct GlobalAvgPool: ParameterFreeLayer, Equatable {
    let image: ImageShape

    public init(inputShape: [Int]) throws(LayerShapeError) {
        image = try ImageShape(inputShape, layer: "global_avg_pool")
    }

    // MARK: Layer

    public var spec: LayerSpec { .globalAvgPool }
    public var inputShape: [Int] { image.shape }
    public var outputShape: [Int] { [image.channels] }
    public var forwardOperations: Int { inputCount + outputCount }
    public var description: String { "global_avg_pool \(inputShape) -> \(outputShape)" }

    private var pixels: Int { image.height * image.width }

    public func forward(_ pass: LayerPass, phase: Int) {
        let channels = image.channels, scale = 1 / Float(pixels)
        for row in 0..<pass.rows {
            let input = pass.input + row * inputCount, output = pass.output + row * channels
            output.update(from: input, count: channels)
            for pixel in 1..<pixels {
                let source = input + pixel * channels
                for c in 0..<channels { output[c] += source[c] }
            }
            for c in 0..<channels { output[c] *= scale }
        }
    }

    public func backward(_ pass: LayerPass, phase: Int) {
        guard let inputGradient = pass.inputGradient else { return }
        let channels = image.channels, scale = 1 / Float(pixels)
        for row in 0..<pass.rows {
            let delta = pass.outputGradient + row * channels, gradient = inputGradient + row * inputCount
            for pixel in 0..<pixels {
                let target = gradient + pixel * channels
                for c in 0..<channels { target[c] = delta[c] * scale }
            }
        }
    }
}
