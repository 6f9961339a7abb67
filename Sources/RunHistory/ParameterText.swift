import Foundation
import RunRecords

/// A parameter value as the history stores it: its type's name and the text `-p` takes, which
/// gives the value back exactly (Swift prints a Double with the fewest digits that read back as it).
enum ParameterText {
    static func type(of value: ParameterValue) -> String {
        switch value {
        case .int: "int"
        case .float: "float"
        case .bool: "bool"
        case .string: "string"
        }
    }

    static func value(type: String, text: String) -> ParameterValue {
        switch type {
        case "int": Int(text).map(ParameterValue.int) ?? .string(text)
        case "float": Double(text).map(ParameterValue.float) ?? .string(text)
        case "bool": Bool(text).map(ParameterValue.bool) ?? .string(text)
        default: .string(text)
        }
    }
}
