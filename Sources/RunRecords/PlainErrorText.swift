import Foundation

/// An error in plain words for a user: Foundation's own errors (`Error Domain=NSCocoaErrorDomain
/// Code=260 ...`) become what happened ("no such file", "the disk is full"); LabBook's errors keep
/// their descriptions.
public enum PlainErrorText {
    public static func of(_ error: Error) -> String {
        if let decoding = error as? DecodingError { return describe(decoding) }
        if let posix = error as? POSIXError { return String(cString: strerror(posix.code.rawValue)) }
        if let cocoa = error as? CocoaError { return describe(cocoa) }
        let bridged = error as NSError
        if bridged.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(bridged.code))) }
        if bridged.domain == NSCocoaErrorDomain { return describe(CocoaError(CocoaError.Code(rawValue: bridged.code), userInfo: bridged.userInfo)) }
        return String(describing: error)
    }

    static func describe(_ error: CocoaError) -> String {
        if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        switch error.code {
        case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file"
        case .fileWriteOutOfSpace: return "the disk is full"
        case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
        case .fileWriteVolumeReadOnly: return "the file system is read-only"
        case .fileWriteFileExists: return "the file already exists"
        case .fileReadCorruptFile: return "the file is damaged or not in the expected format"
        case .fileReadInapplicableStringEncoding: return "the file is not UTF-8 text"
        case .fileReadTooLarge: return "the file is too large"
        default: return "input/output error (Foundation error \(error.code.rawValue))"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return keys.isEmpty ? "" : " at \(keys.hasPrefix(".") ? String(keys.dropFirst()) : keys)"
        }
        switch error {
        case .dataCorrupted(let context):
            return "not valid JSON\(path(context))"
        case .keyNotFound(let key, let context):
            return "'\(key.stringValue)' is missing\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "a value has the wrong type\(path(context))"
        @unknown default:
            return "not in the expected format"
        }
    }
}
