import Foundation

/// Files written by NumPy 2.4 itself (`f = io.BytesIO()`, then the line above each, then
/// `base64.b64encode(f.getvalue())`), so the tests check LabBook against what NumPy really writes.
enum NumPyFixtures {
    /// np.save(f, (np.arange(2 * 2 * 3 * 3) * 7 % 256).astype(np.uint8).reshape(2, 2, 3, 3))
    static let rgbImages = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIsIDMsIDMpLCB9" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoABw4VHCMqMTg/Rk1UW2JpcHd+hYyT" +
        "mqGor7a9xMvS2eDn7vU=")

    /// np.save(f, (np.arange(12) * 20).astype(np.uint8).reshape(3, 2, 2))
    static let greyImages = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIsIDIpLCB9ICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAFCg8UGR4jKC0yNw=")

    /// np.lib.format.write_array(f, (np.arange(12) / 4 - 1).reshape(4, 3), version=(2, 0))
    static let tableVersion2 = decode(
        "k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoNCwgMyksIH0gICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAADwvwAAAAAAAOi/AAAAAAAA" +
        "4L8AAAAAAADQvwAAAAAAAAAAAAAAAAAA0D8AAAAAAADgPwAAAAAAAOg/AAAAAAAA8D8AAAAAAAD0PwAAAAAAAPg/AAAAAAAA/D8=")

    /// np.save(f, np.array([2, 0, 1, 2], dtype=np.int64))
    static let int64Labels = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoCAAAAAAAAAAAAAAAAAAAAAQAAAAAA" +
        "AAACAAAAAAAAAA==")

    /// np.lib.format.write_array(f, np.array([-1, 5, 7], dtype=np.int8), version=(3, 0))
    static let int8Version3 = decode(
        "k05VTVBZAwB0AAAAeydkZXNjcic6ICd8aTEnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAr/BQc=")

    /// np.save(f, np.array([[1, -2], [3, 4]], dtype=np.int32))
    static let int32Table = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAA/v///wMAAAAEAAAA")

    /// np.save(f, np.array([True, False, True]))
    static let boolLabels = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAE=")

    /// np.save(f, np.array([[1.0], [0.0]], dtype=np.float32))
    static let float32Labels = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDEpLCB9ICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAIA/AAAAAA==")

    /// np.savez_compressed(f, x_train=(np.arange(2 * 2 * 2 * 3) * 5 % 256).astype(np.uint8).reshape(2, 2, 2, 3),
    ///     y_train=np.array([1, 0]), x_test=np.full((1, 2, 2, 3), 200, dtype=np.uint8), y_test=np.array([3]))
    static let deflatedArchive = decode(
        "UEsDBC0AAAAIAAAAIQDOmBEA//////////8LABQAeF90cmFpbi5ucHkBABAAmAAAAAAAAABgAAAAAAAAAJvsF+obEMnIUMZQrZ6S" +
        "WpxcpG6loF5Taqiuo6Cell9UUpSYF59flJIKEndLzClOBYoXZyQWpAL5GkY6ChBkrKmjUKtABuBiYOXiF5GUU9bQNTK3cXTzDgiN" +
        "ik/JzCsGAFBLAwQtAAAACAAAACEAcfs5q///////////CwAUAHlfdHJhaW4ubnB5AQAQAJAAAAAAAAAASAAAAAAAAACb7BfqGxDJ" +
        "yFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RpGOpo6CrUKFAAuRgZUAABQSwMELQAAAAgA" +
        "AAAhAMNx2tT//////////woAFAB4X3Rlc3QubnB5AQAQAIwAAAAAAAAASwAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBeU2qo" +
        "rqOgnpZfVFKUmBefX5SSChJ3S8wpTgWKF2ckFqQC+RqGOgpGYGSsqaNQq0AG4DqBBABQSwMELQAAAAgAAAAhAEOdMRz/////////" +
        "/woAFAB5X3Rlc3QubnB5AQAQAIgAAAAAAAAASAAAAAAAAACb7BfqGxDJyFDGUK2eklqcXKRupaBuk2mhrqOgnpZfVFKUmBefX5SS" +
        "ChJ3S8wpTgWKF2ckFqQC+RqGOpo6CrUKFAAuZgYIAABQSwECLQMtAAAACAAAACEAzpgRAGAAAACYAAAACwAAAAAAAAAAAAAAgAEA" +
        "AAAAeF90cmFpbi5ucHlQSwECLQMtAAAACAAAACEAcfs5q0gAAACQAAAACwAAAAAAAAAAAAAAgAGdAAAAeV90cmFpbi5ucHlQSwEC" +
        "LQMtAAAACAAAACEAw3Ha1EsAAACMAAAACgAAAAAAAAAAAAAAgAEiAQAAeF90ZXN0Lm5weVBLAQItAy0AAAAIAAAAIQBDnTEcSAAA" +
        "AIgAAAAKAAAAAAAAAAAAAACAAakBAAB5X3Rlc3QubnB5UEsFBgAAAAAEAAQA4gAAAC0CAAAAAA==")

    /// np.savez(f, inputs=np.array([[0.5, -1.5], [2.0, 0.25], [3.0, 4.0]], dtype=np.float32),
    ///     targets=np.array([0, 1, 1], dtype=np.uint8))
    static let storedArchive = decode(
        "UEsDBC0AAAAAAAAAIQCu5Rbp//////////8KABQAaW5wdXRzLm5weQEAEACYAAAAAAAAAJgAAAAAAAAAk05VTVBZAQB2AHsnZGVz" +
        "Y3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAA/AADAvwAAAEAAAIA+AABAQAAAgEBQSwMELQAAAAAAAAAh" +
        "APK7b3X//////////wsAFAB0YXJnZXRzLm5weQEAEACDAAAAAAAAAIMAAAAAAAAAk05VTVBZAQB2AHsnZGVzY3InOiAnfHUxJywg" +
        "J2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgIAoAAQFQSwECLQMtAAAAAAAAACEAruUW6ZgAAACYAAAACgAAAAAAAAAAAAAAgAEAAAAA" +
        "aW5wdXRzLm5weVBLAQItAy0AAAAAAAAAIQDyu291gwAAAIMAAAALAAAAAAAAAAAAAACAAdQAAAB0YXJnZXRzLm5weVBLBQYAAAAA" +
        "AgACAHEAAACUAQAAAAA=")

    /// zipfile.ZIP64_LIMIT = 0  # makes Python's zipfile write ZIP64 extra fields and end records
    /// np.savez(f, x_train=np.arange(6, dtype=np.uint8).reshape(3, 2), y_train=np.array([0, 1, 0]))
    static let zip64Archive = decode(
        "UEsDBC0AAAAAAAAAIQAb+n1h//////////8LABQAeF90cmFpbi5ucHkBABAAhgAAAAAAAACGAAAAAAAAAJNOVU1QWQEAdgB7J2Rl" +
        "c2NyJzogJ3x1MScsICdmb3J0cmFuX29yZGVyJzogRmFsc2UsICdzaGFwZSc6ICgzLCAyKSwgfSAgICAgICAgICAgICAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAKAAECAwQFUEsDBC0AAAAAAAAAIQCKRzeo//////////8LABQA" +
        "eV90cmFpbi5ucHkBABAAmAAAAAAAAACYAAAAAAAAAJNOVU1QWQEAdgB7J2Rlc2NyJzogJzxpOCcsICdmb3J0cmFuX29yZGVyJzog" +
        "RmFsc2UsICdzaGFwZSc6ICgzLCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAg" +
        "ICAgICAgICAKAAAAAAAAAAABAAAAAAAAAAAAAAAAAAAAUEsBAi0DLQAAAAAAAAAhABv6fWH//////////wsAFAAAAAAAAAAAAIAB" +
        "AAAAAHhfdHJhaW4ubnB5AQAQAIYAAAAAAAAAhgAAAAAAAABQSwECLQMtAAAAAAAAACEAikc3qP//////////CwAcAAAAAAAAAAAA" +
        "gAH/////eV90cmFpbi5ucHkBABgAmAAAAAAAAACYAAAAAAAAAMMAAAAAAAAAUEsGBiwAAAAAAAAALQAtAAAAAAAAAAAAAgAAAAAA" +
        "AAACAAAAAAAAAKIAAAAAAAAAmAEAAAAAAABQSwYHAAAAADoCAAAAAAAAAQAAAFBLBQYAAAAAAgACAKIAAACYAQAAAAA=")

    /// np.save(f, np.asfortranarray(np.arange(6.0).reshape(2, 3)))
    static let fortranOrder = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGY4JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAAAAAAAAAAhAAAAAAAAA" +
        "8D8AAAAAAAAQQAAAAAAAAABAAAAAAAAAFEA=")

    /// np.save(f, np.array([1, 'a'], dtype=object), allow_pickle=True)
    static let objectArray = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnfE8nLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAqABJWQAAAAAAAAAIwWbnVtcHkuX2Nv" +
        "cmUubXVsdGlhcnJheZSMDF9yZWNvbnN0cnVjdJSTlIwFbnVtcHmUjAduZGFycmF5lJOUSwCFlEMBYpSHlFKUKEsBSwKFlGgDjAVk" +
        "dHlwZZSTlIwCTziUiYiHlFKUKEsDjAF8lE5OTkr/////Sv////9LP3SUYoldlChLAYwBYZRldJRiLg==")

    /// np.save(f, np.arange(3, dtype='>i4'))
    static let bigEndian = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPmk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAQAAAAI=")

    /// np.save(f, np.array([1, 300]))
    static let label300 = decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAg" +
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAACwBAAAAAAAA")

    private static func decode(_ base64: String) -> [UInt8] {
        guard let data = Data(base64Encoded: base64) else { preconditionFailure("a fixture is not base64") }
        return [UInt8](data)
    }
}
