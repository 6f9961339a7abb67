import Foundation
import NeuralNet
import XCTest
@testable import Datasets

/// Opt-in measurement, skipped unless LABBOOK_IMAGE_FOLDER names a folder of images, such as the
/// CIFAR-10 JPEGs extracted under /tmp:
///
///     LABBOOK_IMAGE_FOLDER=/tmp/cifar10-jpeg swift test --skip-build --filter ImageFolderTimingTests
///
/// With LABBOOK_IMAGE_SAMPLE set to a file path as well, every 1000th training example is written
/// there, one line each (the file, then its planar bytes in hex), for comparison with PIL.
final class ImageFolderTimingTests: XCTestCase {
    func testLoadingTheFolderNamedByTheEnvironment() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let path = environment["LABBOOK_IMAGE_FOLDER"] else {
            throw XCTSkip("set LABBOOK_IMAGE_FOLDER to a folder of images to time its loading")
        }
        let clock = ContinuousClock()
        var dataset: Dataset?
        for threads in [1, UsableProcessors.count] {
            let elapsed = try clock.measure {
                dataset = try ImageFolder.load(path: path, size: nil, channels: 3, threads: threads)
            }
            print("ImageFolderTimingTests: \(dataset!.train.count) training and \(dataset!.test.count) test images "
                  + "of \(dataset!.imageShape!) in \(elapsed) on \(threads) thread(s)")
        }
        let loaded = try XCTUnwrap(dataset)
        XCTAssertEqual(loaded.files.count, loaded.train.count + loaded.test.count)
        XCTAssertEqual(loaded.files, try ImageFolder.files(path: path))
        if let samplePath = environment["LABBOOK_IMAGE_SAMPLE"], case .bytes(let pixels) = loaded.train.features {
            let width = loaded.featureCount
            let lines = stride(from: 0, to: loaded.train.count, by: 1000).map { index in
                loaded.files[index] + " " + pixels[(index * width)..<((index + 1) * width)]
                    .map { String(format: "%02x", $0) }.joined()
            }
            try (lines.joined(separator: "\n") + "\n").write(toFile: samplePath, atomically: true, encoding: .utf8)
        }
    }
}
