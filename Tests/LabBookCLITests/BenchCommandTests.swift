import Foundation
import XCTest

/// `labbook bench` prints every figure the README's performance table quotes. It is a benchmark, so
/// this checks the figures are there and consistent with each other, not how fast they are.
final class BenchCommandTests: XCTestCase {
    private func number(after prefix: String, in line: Substring) throws -> Double {
        let rest = try XCTUnwrap(line.range(of: prefix)).upperBound
        let digits = line[rest...].prefix { $0.isNumber || $0 == "." }
        return try XCTUnwrap(Double(digits), "no number after '\(prefix)' in \(line)")
    }

    func testBenchOnRandomDataReportsConsistentFigures() throws {
        // A home with no datasets, so the benchmark finds no CIFAR-10 and trains on random data.
        let home = try makeTemporaryFolder(self)
        let result = try LabBookBinary.run(["bench", "--steps", "30", "--tf-reference", "/nonexistent"],
                                           environment: ["HOME": home.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n")
        func line(_ prefix: String) throws -> Substring {
            try XCTUnwrap(lines.first { $0.hasPrefix(prefix) }, "no '\(prefix)' line in:\n\(result.standardOutput)")
        }
        XCTAssert(try line("data load:").contains("random data"))
        let training = try line("training:")
        let msPerStep = try number(after: "training: ", in: training)
        let examplesPerSecond = try number(after: "ms/step (median of 10 rounds; ", in: training.replacingOccurrences(
            of: #"\d+\.\d+ to \d+\.\d+\), "#, with: "", options: .regularExpression)[...])
        XCTAssertGreaterThan(msPerStep, 0)
        XCTAssertEqual(examplesPerSecond, 400 / (msPerStep / 1000), accuracy: examplesPerSecond * 0.01,
                       "examples/s must follow from ms/step and the batch of 400")
        let sgemm = try line("SGEMM on the step's shapes")
        let reference = try number(after: "same threading: ", in: sgemm)
        let share = try number(after: "training reaches ", in: sgemm)
        let achieved = try number(after: "examples/s, ", in: training)
        XCTAssertEqual(share, (100 * achieved / reference).rounded(), accuracy: 1)
        #if arch(x86_64)
        // A matrix product can not beat the cores' own multiply-add rate; a peak far above it would
        // mean the compiler folded the measuring loop away.
        let peakLine = try line("FP32 peak of the")
        let peak = try number(after: "fused multiply-adds): ", in: peakLine)
        XCTAssertGreaterThan(peak, reference * 0.9, "the FMA peak must not be below what SGEMM reaches")
        XCTAssertLessThan(peak, reference * 10, "an FMA peak ten times SGEMM's is not a measurement")
        XCTAssertEqual(try number(after: "no step can take under ", in: peakLine),
                       1000 * Double(2 * 400 * (2 * 3072 * 120 + 3 * 120 * 10)) / (peak * 1e9), accuracy: 0.006)
        XCTAssertEqual(try number(after: "training reaches ", in: peakLine), (100 * achieved / peak).rounded(), accuracy: 1)
        #endif
        XCTAssertGreaterThan(try number(after: "peak RSS: ", in: try line("peak RSS:")), 0)
    }

    /// `bench --data-parallel` alone: both networks' sliced steps, the bytes a lone rank exchanges
    /// (none), and a projection whose one-machine step is the measured one and whose exchange only
    /// adds time as machines are added.
    func testDataParallelBenchReportsItsFiguresAndAProjectionBuiltOnThem() throws {
        let home = try makeTemporaryFolder(self)
        let result = try LabBookBinary.run(["bench", "--data-parallel", "--steps", "2"], environment: ["HOME": home.path])
        XCTAssertEqual(result.status, 0, result.standardError)
        let lines = result.standardOutput.split(separator: "\n")
        for network in ["tutorial network (3072-120-10), batch 100", "CIFAR-10 CNN (TensorFlow's tutorial), batch 64"] {
            let measured = try XCTUnwrap(lines.first { $0.hasPrefix(network + ":") }, result.standardOutput)
            XCTAssert(measured.contains("sends 0.00 MB and receives 0.00 MB"), "one rank exchanges nothing: \(measured)")
            let sliced = try number(after: network + ": ", in: measured)
            let name = String(network.prefix { $0 != "," })
            let projection = try XCTUnwrap(lines.firstIndex { $0.hasPrefix(name + ": projected") }, result.standardOutput)
            for link in lines[(projection + 1)...(projection + 2)] {
                XCTAssertEqual(try number(after: "N=1 ", in: link), sliced, accuracy: max(0.011, sliced * 0.002),
                               "one machine's projected step is the measured one: \(link)")
            }
            let slow = lines[projection + 1], fast = lines[projection + 2]
            XCTAssert(slow.contains("10 Gb/s") && fast.contains("100 Gb/s"), "\(slow)\n\(fast)")
            XCTAssertGreaterThan(try number(after: "N=64 ", in: slow), try number(after: "N=64 ", in: fast),
                                 "a slower link can not give a faster step")
        }
    }
}
