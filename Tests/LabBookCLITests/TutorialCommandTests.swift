import Foundation
import NeuralNet
import XCTest

/// The tutorial's configuration run through the documented command, on small CIFAR-10-shaped data.
final class TutorialCommandTests: XCTestCase {
    /// Writes `cifar-10-batches-bin` with `perFile` records in each of the five training files and
    /// the test file. Each class is a fixed random image plus per-pixel noise, so a network that
    /// trains at all separates them, and one that does not stays near 10%.
    func writeSyntheticCIFAR(in folder: URL, perFile: Int) throws {
        let binary = folder.appendingPathComponent("cifar-10-batches-bin")
        try FileManager.default.createDirectory(at: binary, withIntermediateDirectories: true)
        var generator = SeededGenerator(seed: 2024)
        let prototypes = (0..<10).map { _ in (0..<3072).map { _ in UInt8(generator.nextInt(below: 256)) } }
        for name in (1...5).map({ "data_batch_\($0).bin" }) + ["test_batch.bin"] {
            var bytes: [UInt8] = []
            for _ in 0..<perFile {
                let label = generator.nextInt(below: 10)
                bytes.append(UInt8(label))
                for pixel in prototypes[label] {
                    let noisy = Int(pixel) + generator.nextInt(below: 161) - 80
                    bytes.append(UInt8(min(max(noisy, 0), 255)))
                }
            }
            try Data(bytes).write(to: binary.appendingPathComponent(name))
        }
        let names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n"
        try Data(names.utf8).write(to: binary.appendingPathComponent("batches.meta.txt"))
    }

    func testWithoutDataDirItSearchesWhereNotebooksDo() throws {
        let home = try makeTemporaryFolder(self)
        let offline = ["HOME": home.path, "LABBOOK_OFFLINE": "1"]
        let missing = try LabBookBinary.run(["tutorial", "--max-steps", "5"], environment: offline)
        XCTAssertEqual(missing.status, 1)
        XCTAssert(missing.standardError.contains(home.path + "/.cache/labbook/datasets/cifar-10-batches-bin")
                  && missing.standardError.contains("labbook fetch cifar10"), missing.standardError)

        try writeSyntheticCIFAR(in: home.appendingPathComponent(".cache/labbook/datasets"), perFile: 20)
        let found = try LabBookBinary.run(["tutorial", "--max-steps", "5", "--batch-size", "20"], environment: offline)
        XCTAssertEqual(found.status, 0, found.standardError)
        XCTAssert(found.standardOutput.contains("100 training and 20 test examples"), found.standardOutput)
    }

    func testTutorialConfigurationLearnsSmallData() throws {
        let folder = try makeTemporaryFolder(self)
        try writeSyntheticCIFAR(in: folder, perFile: 200)
        let result = try LabBookBinary.run(["tutorial", "--data-dir", folder.path, "--max-steps", "300"])
        XCTAssertEqual(result.status, 0, result.standardError)
        let output = result.standardOutput
        XCTAssert(output.contains("1000 training and 200 test examples"), output)
        XCTAssert(output.contains("dense 3072 -> 120, relu; dense 120 -> 10; l2 0.1"), output)
        for step in [1, 100, 200, 300] { XCTAssert(output.contains("Step \(step): loss "), output) }
        let accuracyLine = try XCTUnwrap(output.split(separator: "\n").first { $0.hasPrefix("Test accuracy") })
        let accuracy = try XCTUnwrap(Double(accuracyLine.split(separator: " ")[2]))
        XCTAssertGreaterThan(accuracy, 0.9, output)

        // The same seed reproduces the run exactly; another seed does not.
        let again = try LabBookBinary.run(["tutorial", "--data-dir", folder.path, "--max-steps", "300"])
        XCTAssertEqual(again.standardOutput.split(separator: "\n").filter { $0.hasPrefix("Step") || $0.hasPrefix("Test") },
                       output.split(separator: "\n").filter { $0.hasPrefix("Step") || $0.hasPrefix("Test") })
    }

    func testMissingDataIsAnErrorNamingTheFile() throws {
        let folder = try makeTemporaryFolder(self)
        let result = try LabBookBinary.run(["tutorial", "--data-dir", folder.path])
        XCTAssertEqual(result.status, 1)
        XCTAssert(result.standardError.contains("labbook: error: \(folder.path)/data_batch_1.bin: no such file"),
                  result.standardError)
    }

    func testUsageErrorsExitWithStatus2() throws {
        let badValue = try LabBookBinary.run(["tutorial", "--max-steps", "0"])
        XCTAssertEqual(badValue.status, 2)
        XCTAssert(badValue.standardError.contains("--max-steps must be at least 1"), badValue.standardError)
        let unknown = try LabBookBinary.run(["tutorial", "--max-stpes", "5"])
        XCTAssertEqual(unknown.status, 2)
        let version = try LabBookBinary.run(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.standardOutput.isEmpty)
    }
}
