import XCTest
@testable import NeuralNet

final class BLASCoreSelectionTests: XCTestCase {
    let avx512: Set<String> = ["sse3", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512dq", "avx512vl"]

    func testGenericFallbackOnAVX512GetsSkylakeX() {
        XCTAssertEqual(BLASCoreSelection.replacement(detected: "Prescott", cpuFlags: avx512, environment: [:]), "SkylakeX")
        XCTAssertEqual(BLASCoreSelection.replacement(detected: "Prescott", cpuFlags: ["avx", "avx2", "fma"], environment: [:]),
                       "Haswell")
        XCTAssertEqual(BLASCoreSelection.replacement(detected: "Prescott", cpuFlags: ["sse3", "avx"], environment: [:]),
                       "Sandybridge")
        XCTAssertNil(BLASCoreSelection.replacement(detected: "Prescott", cpuFlags: ["sse3"], environment: [:]))
    }

    func testNeverOverridesADetectedOrChosenCore() {
        XCTAssertNil(BLASCoreSelection.replacement(detected: "Zen", cpuFlags: avx512, environment: [:]))
        XCTAssertNil(BLASCoreSelection.replacement(detected: "SkylakeX", cpuFlags: avx512, environment: [:]))
        XCTAssertNil(BLASCoreSelection.replacement(detected: "Prescott", cpuFlags: avx512,
                                                   environment: ["OPENBLAS_CORETYPE": "Prescott"]))
    }

    func testReadsThisMachinesFlags() {
        let flags = BLASCoreSelection.cpuFlags()
        XCTAssert(flags.isEmpty || flags.contains("sse2"), "x86-64 always has SSE2: \(flags.prefix(5))")
        XCTAssertFalse(BLASInfo.coreName.isEmpty)
    }
}
