import Foundation
import XCTest
@testable import Datasets

final class DataLocatorTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("locator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: root)
    }

    private func touch(_ path: String) throws {
        let url = root.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data([0]).write(to: url)
    }

    func testSearchesLabBookDataThenTheCache() throws {
        let home = root.appendingPathComponent("home").path
        let data = root.appendingPathComponent("data").path
        let locator = DataLocator(environment: ["LABBOOK_DATA": data], home: home)
        XCTAssertEqual(locator.roots, [data, home + "/.cache/labbook/datasets"])

        try touch("home/.cache/labbook/datasets/cifar-10-batches-bin/data_batch_1.bin")
        XCTAssertEqual(try locator.find(.cifar10), home + "/.cache/labbook/datasets/cifar-10-batches-bin")
        try touch("data/cifar10/cifar-10-batches-bin/data_batch_1.bin")
        XCTAssertEqual(try locator.find(.cifar10), data + "/cifar10", "$LABBOOK_DATA comes first")
        try touch("data/mnist/train-images-idx3-ubyte.gz")
        XCTAssertEqual(try locator.find(.mnist), data + "/mnist")
    }

    func testFashionMNISTAlsoLooksWhereDebianInstallsIt() {
        let locator = DataLocator(environment: [:], home: root.path)
        XCTAssertEqual(locator.candidates(for: .fashionMNIST).last, "/usr/share/datasets/fashion-mnist")
    }

    func testMissingDataListsWhereItLookedAndHowToGetIt() {
        let locator = DataLocator(environment: [:], home: root.path)
        XCTAssertThrowsError(try locator.find(.cifar10)) { error in
            let message = "\(error)"
            XCTAssert(message.hasPrefix("no cifar10 data: searched \(self.root.path)/.cache/labbook/datasets/cifar-10-batches-bin"), message)
            XCTAssert(message.contains(". Get it with: labbook fetch cifar10, or by hand: mkdir -p "), message)
            XCTAssert(message.contains("curl -L https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz | tar -xz -C"), message)
        }
        // Not through find: this machine may have Debian's package installed.
        XCTAssert(locator.instructions(for: .fashionMNIST).hasPrefix(
            "Get it with: labbook fetch fashion-mnist, or: sudo apt-get install dataset-fashion-mnist, or by hand:"))
        XCTAssertThrowsError(try locator.find(.mnist)) { error in
            XCTAssert("\(error)".contains("train-images-idx3-ubyte"), "\(error)")
        }
    }
}
