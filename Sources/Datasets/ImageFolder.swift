import Foundation
import NeuralNet

/// A folder of PNG and JPEG images, one folder per class (the layouts are `ImageFolderLayout`'s), as
/// a `Dataset` of bytes in LabBook's planar layout. Every image is decoded once, on every usable core;
/// the result is the same whatever the number of cores, since each image lands in its own place.
public enum ImageFolder {
    /// The most pixel bytes one folder may load (8 GiB), checked before they are allocated: more than
    /// LabBook's trainer can use in memory, and more than a folder of tiny files should make it try.
    public static let maximumDatasetBytes = 1 << 33

    /// Every file `load(path:size:channels:)` reads, in reading order (training files, then test
    /// files), without reading any: for the run's cache and record, which hash them.
    public static func files(path: String) throws -> [String] {
        try ImageFolderLayout(path: path).allFiles.map(\.path)
    }

    /// What `load(path:size:channels:)` would return, as far as validation needs it, without decoding
    /// more than the first image (and none when `size` is given): the classes, the number of training
    /// and test images, and their shape.
    public static func preview(path: String, size: (height: Int, width: Int)?, channels: Int) throws
        -> (classNames: [String], train: Int, test: Int, shape: ImageShape) {
        guard channels == 1 || channels == 3 else {
            throw DatasetError(path: path, "images cannot have \(channels) channels; give 1 (grey) or 3 (RGB)")
        }
        let layout = try ImageFolderLayout(path: path)
        let target = try size ?? {
            let first = try ImageDecoder.decode(contentsOf: layout.allFiles[0].path, channels: channels)
            return (first.height, first.width)
        }()
        return (layout.classNames, layout.train.count, layout.test.count,
                ImageShape(channels: channels, height: target.height, width: target.width))
    }

    /// Loads the images under `path`, each resized to `size` (height, width; see
    /// `DecodedImage.resized(height:width:)`) or, without one, all of the first image's size, and
    /// converted to `channels` (1 or 3; see `DecodedImage.converted(toChannels:)`). With one level of
    /// class folders everything is training data and the test split is empty, for
    /// `Dataset.holdingOutTest(fraction:seed:)`.
    public static func load(path: String, size: (height: Int, width: Int)?, channels: Int) throws -> Dataset {
        try load(path: path, size: size, channels: channels, threads: UsableProcessors.count)
    }

    /// As `load(path:size:channels:)`, decoding on `threads` threads.
    static func load(path: String, size: (height: Int, width: Int)?, channels: Int, threads: Int) throws -> Dataset {
        guard channels == 1 || channels == 3 else {
            throw DatasetError(path: path, "images cannot have \(channels) channels; give 1 (grey) or 3 (RGB)")
        }
        if let size {
            guard (1...ImageDecoder.maximumSide).contains(size.height), (1...ImageDecoder.maximumSide).contains(size.width),
                  size.height * size.width <= ImageDecoder.maximumPixelCount else {
                throw DatasetError(path: path, "cannot resize images to \(size.height)x\(size.width) (height x width): "
                                   + "each side must be 1 to \(ImageDecoder.maximumSide), and at most "
                                   + "\(ImageDecoder.maximumPixelCount) pixels in all")
            }
        }
        let layout = try ImageFolderLayout(path: path)
        let files = layout.allFiles
        // Without a size, the first image's is every image's, so it is decoded first; with one, the
        // whole folder's size is checked before any image is decoded.
        let first = size == nil ? try ImageDecoder.decode(contentsOf: files[0].path, channels: channels) : nil
        let target = size ?? (height: first!.height, width: first!.width)
        let shape = ImageShape(channels: channels, height: target.height, width: target.width)
        let featureCount = shape.featureCount
        let (total, overflow) = files.count.multipliedReportingOverflow(by: featureCount)
        guard !overflow, total <= maximumDatasetBytes else {
            throw DatasetError(path: path, "\(files.count) images of \(shape.height)x\(shape.width) pixels and "
                               + "\(channels) channels take more than the \(maximumDatasetBytes) bytes (8 GiB) "
                               + "LabBook loads; give a smaller size to resize them to")
        }
        let prepare: @Sendable (Int) throws -> DecodedImage = { index in
            if index == 0, let first { return first }
            let path = files[index].path
            let image = try ImageDecoder.decode(contentsOf: path, channels: channels)
            if image.height == target.height, image.width == target.width { return image }
            guard let first else { return image.resized(height: target.height, width: target.width) }
            throw DatasetError(path: path, "is \(image.sizeDescription) pixels (height x width), but the first "
                               + "image, \(files[0].path), is \(first.sizeDescription); images of different sizes "
                               + "need a size to resize them all to")
        }
        let trainCount = layout.train.count
        let testCount = layout.test.count
        var testPixels: [UInt8] = []
        let trainPixels = try [UInt8](unsafeUninitializedCapacity: trainCount * featureCount) { train, trainInitialized in
            testPixels = try [UInt8](unsafeUninitializedCapacity: testCount * featureCount) { test, testInitialized in
                let destination = PlanarDestination(train: train.baseAddress, test: test.baseAddress,
                                                    trainCount: trainCount, featureCount: featureCount)
                try OrderedParallelWork.run(count: files.count, threads: threads) { index in
                    try prepare(index).writePlanar(into: destination.pointer(for: index))
                }
                testInitialized = testCount * featureCount
            }
            trainInitialized = trainCount * featureCount
        }
        let name = URL(fileURLWithPath: path).standardized.lastPathComponent
        return Dataset(
            name: name, classNames: layout.classNames, imageShape: shape,
            train: LabeledExamples(features: .bytes(trainPixels), labels: layout.train.map(\.label),
                                   featureCount: featureCount),
            test: LabeledExamples(features: .bytes(testPixels), labels: layout.test.map(\.label),
                                  featureCount: featureCount),
            files: files.map(\.path))
    }
}

/// Where each image's planar pixels go: the training array for the first `trainCount` files, the
/// test array after them. Sendable because the threads write disjoint ranges and the arrays outlive them.
private struct PlanarDestination: @unchecked Sendable {
    let train: UnsafeMutablePointer<UInt8>?
    let test: UnsafeMutablePointer<UInt8>?
    let trainCount: Int
    let featureCount: Int

    func pointer(for index: Int) -> UnsafeMutablePointer<UInt8> {
        index < trainCount ? train! + index * featureCount : test! + (index - trainCount) * featureCount
    }
}
