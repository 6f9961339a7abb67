extension DecodedImage {
    /// This image resized to `height` x `width` pixels with PIL's `Image.resize` default, the
    /// bilinear filter, antialiased when shrinking (the triangle widens with the scale, so that every
    /// source pixel counts), which is also what torchvision's `Resize` does to PIL images.
    ///
    /// Written by hand rather than taken from a library because the aim is PIL's very bytes: its
    /// Resample.c weights rounded to 22-bit integers, a horizontal pass kept as bytes, then a
    /// vertical one. No Debian library reproduces that, and a network trained on other pixels than a
    /// PyTorch pipeline's would make comparisons between the two murky.
    public func resized(height outputHeight: Int, width outputWidth: Int) -> DecodedImage {
        precondition(outputHeight > 0 && outputWidth > 0, "cannot resize to \(outputHeight)x\(outputWidth)")
        var image = self
        // As in PIL, a side that keeps its size is not resampled at all.
        if outputWidth != width {
            image = image.resampledHorizontally(to: outputWidth)
        }
        if outputHeight != height {
            image = image.resampledVertically(to: outputHeight)
        }
        return image
    }

    private func resampledHorizontally(to outputWidth: Int) -> DecodedImage {
        let weights = ResamplingWeights(inputSize: width, outputSize: outputWidth)
        let count = height * outputWidth * channels
        let output = [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            pixels.withUnsafeBufferPointer { input in
                for row in 0..<height {
                    let inputRow = row * width * channels
                    for column in 0..<outputWidth {
                        let taps = weights.taps(of: column)
                        for channel in 0..<channels {
                            var sum = ResamplingWeights.rounding
                            for tap in taps.weights.indices {
                                let source = inputRow + (taps.first + tap) * channels + channel
                                sum += Int(input[source]) * taps.weights[tap]
                            }
                            target[(row * outputWidth + column) * channels + channel] = ResamplingWeights.byte(sum)
                        }
                    }
                }
            }
            initialized = count
        }
        return DecodedImage(width: outputWidth, height: height, channels: channels, pixels: output)
    }

    private func resampledVertically(to outputHeight: Int) -> DecodedImage {
        let weights = ResamplingWeights(inputSize: height, outputSize: outputHeight)
        let rowLength = width * channels
        let count = outputHeight * rowLength
        let output = [UInt8](unsafeUninitializedCapacity: count) { target, initialized in
            pixels.withUnsafeBufferPointer { input in
                for row in 0..<outputHeight {
                    let taps = weights.taps(of: row)
                    for position in 0..<rowLength {
                        var sum = ResamplingWeights.rounding
                        for tap in taps.weights.indices {
                            sum += Int(input[(taps.first + tap) * rowLength + position]) * taps.weights[tap]
                        }
                        target[row * rowLength + position] = ResamplingWeights.byte(sum)
                    }
                }
            }
            initialized = count
        }
        return DecodedImage(width: width, height: outputHeight, channels: channels, pixels: output)
    }
}

/// The weights of PIL's antialiased bilinear filter along one axis (Resample.c's
/// `precompute_coeffs` and `normalize_coeffs_8bpc`): for each output position, the first input
/// position it reads and an integer weight for each input position it reads.
struct ResamplingWeights {
    /// Bits after the binary point of the integer weights: PIL's `PRECISION_BITS` for 8-bit images.
    static let precisionBits = 22
    /// Half of the last bit, so that the final shift rounds to nearest.
    static let rounding = 1 << (precisionBits - 1)

    private let firstInputs: [Int]
    private let weights: [[Int]]

    init(inputSize: Int, outputSize: Int) {
        let scale = Double(inputSize) / Double(outputSize)
        let filterScale = max(scale, 1)
        let support = filterScale  // the triangle's half-width: 1, widened when shrinking
        let inverseScale = 1 / filterScale  // multiplied by, as PIL does, for its rounding
        var firstInputs: [Int] = []
        var weights: [[Int]] = []
        for output in 0..<outputSize {
            let center = (Double(output) + 0.5) * scale
            // Int(_:) truncates toward zero, as the (int) casts in PIL do.
            let first = max(Int(center - support + 0.5), 0)
            let end = max(min(Int(center + support + 0.5), inputSize), first)
            let raw = (first..<end).map { input in
                max(0, 1 - abs((Double(input) - center + 0.5) * inverseScale))
            }
            let total = raw.reduce(0, +)
            weights.append(raw.map { weight in
                let normalized = total != 0 ? weight / total : weight
                return Int((normalized < 0 ? -0.5 : 0.5) + normalized * Double(1 << Self.precisionBits))
            })
            firstInputs.append(first)
        }
        self.firstInputs = firstInputs
        self.weights = weights
    }

    func taps(of output: Int) -> (first: Int, weights: [Int]) { (firstInputs[output], weights[output]) }

    /// A weighted sum's byte: shifted back to an integer and clamped to 0...255.
    static func byte(_ sum: Int) -> UInt8 { UInt8(clamping: sum >> precisionBits) }
}
