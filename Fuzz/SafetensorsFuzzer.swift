// libFuzzer entry point for LabBook's safetensors and checkpoint readers. Not part of the package:
// Fuzz/run-safetensors-fuzzer.sh compiles it with the FileFormats sources by `swiftc -sanitize=fuzzer,address`.
import NeuralNet

/// Decodes one input as a safetensors file and as a checkpoint. Errors are the expected outcome for
/// almost every input; a crash, a sanitizer report or a leak is a bug. A decoded checkpoint must
/// encode and decode to itself, bit for bit (compared as bytes, since weights may be NaN).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    if let file = try? Safetensors.decode(bytes) {
        for name in file.names {
            switch file.tensors[name]?.dtype {
            case .float32: _ = try? file.float32(name)
            case .int64: _ = try? file.int64(name)
            default: break
            }
        }
    }
    if let checkpoint = try? Checkpoint.decode(bytes) {
        guard let encoded = try? checkpoint.encode(), let again = try? Checkpoint.decode(encoded),
              (try? again.encode()) == encoded else {
            fatalError("a decoded checkpoint did not survive encoding and decoding again")
        }
    }
    return 0
}
