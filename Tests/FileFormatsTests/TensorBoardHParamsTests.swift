import Foundation
import XCTest
@testable import FileFormats

/// The HParams plugin's summaries decoded field by field with the test's own protobuf reader, against
/// the field numbers of tensorboard/plugins/hparams/{api,plugin_data}.proto. (Tests/Interop/hparams.py
/// reads the same summaries with TensorBoard's own code.)
final class TensorBoardHParamsTests: XCTestCase {
    typealias Fields = [UInt64: [ProtobufField]]

    /// The summary value of each event after the file version: its tag, and the plugin data's
    /// `HParamsPluginData` fields.
    func hparamsSummaries(_ file: URL) throws -> [(tag: String, data: Fields, wallTime: Double)] {
        try EventFileReader.records([UInt8](Data(contentsOf: file))).dropFirst().map { record in
            let event = try EventFileReader.fields(record)
            let summary = try EventFileReader.fields(try XCTUnwrap(event[5]?.first?.data))
            let value = try EventFileReader.fields(try XCTUnwrap(summary[1]?.first?.data))
            let metadata = try EventFileReader.fields(try XCTUnwrap(value[9]?.first?.data))
            XCTAssertEqual(metadata[4]?.first?.int64, 2, "DATA_CLASS_TENSOR")
            let plugin = try EventFileReader.fields(try XCTUnwrap(metadata[1]?.first?.data))
            XCTAssertEqual(plugin[1]?.first?.string, "hparams")
            let tensor = try EventFileReader.fields(try XCTUnwrap(value[8]?.first?.data))
            XCTAssertEqual(tensor[1]?.first?.int64, 1, "an empty DT_FLOAT tensor")
            XCTAssertEqual(event[2]?.first?.int64 ?? 0, 0, "at step 0")
            let data = try EventFileReader.fields(try XCTUnwrap(plugin[2]?.first?.data))
            XCTAssertNil(data[1], "version 0, the default, is left out")
            return (try XCTUnwrap(value[1]?.first?.string), data, try XCTUnwrap(event[1]?.first?.double))
        }
    }

    /// A `google.protobuf.Value` read back.
    func value(_ field: ProtobufField?) throws -> String {
        let fields = try EventFileReader.fields(try XCTUnwrap(field?.data))
        if let number = fields[2]?.first?.double { return "number \(number)" }
        if let text = fields[3]?.first?.string { return "string \(text)" }
        if let flag = fields[4]?.first?.int64 { return "bool \(flag)" }
        return "unset"
    }

    func testExperimentAndSessionSummariesFollowTheHParamsProtos() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("labbook-hparams-\(UUID().uuidString)")
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        var clock = 1_700_000_000.0
        let writer = try TensorBoardWriter(folder: folder, wallTime: { clock += 1; return clock }, hostname: "host")
        writer.addHParamsExperiment(HParamsExperiment(name: "spiral", parameters: [
            .init(name: "learning_rate", type: .float64, domain: .interval(min: 0.001, max: 0.1), differs: true),
            .init(name: "optimizer", type: .string, domain: .discrete([.string("sgd"), .string("adam")]), differs: true),
            .init(name: "augment", type: .bool, domain: .discrete([.bool(false)]), differs: false),
        ], metrics: [.init(tag: "accuracy/validation", datasetType: .validation), .init(tag: "accuracy/test")]))
        writer.addHParamsSessionStart([("learning_rate", .number(0.01)), ("optimizer", .string("adam")), ("augment", .bool(false))])
        writer.addHParamsSessionEnd(status: .failure)
        try writer.close()

        let summaries = try hparamsSummaries(writer.fileURL)
        XCTAssertEqual(summaries.map(\.tag), ["_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"])

        let experiment = try EventFileReader.fields(try XCTUnwrap(summaries[0].data[2]?.first?.data))
        XCTAssertEqual(experiment[6]?.first?.string, "spiral")
        XCTAssertEqual(experiment[3]?.first?.double, summaries[0].wallTime, "time_created_secs")
        let infos = try (experiment[4] ?? []).map { try EventFileReader.fields(try XCTUnwrap($0.data)) }
        XCTAssertEqual(infos.map { $0[1]?.first?.string }, ["learning_rate", "optimizer", "augment"])
        XCTAssertEqual(infos.map { $0[4]?.first?.int64 }, [3, 1, 2], "DATA_TYPE_FLOAT64, _STRING, _BOOL")
        XCTAssertEqual(infos.map { $0[7]?.first?.int64 }, [1, 1, nil], "differs")
        let interval = try EventFileReader.fields(try XCTUnwrap(infos[0][6]?.first?.data))
        XCTAssertEqual(interval[1]?.first?.double, 0.001)
        XCTAssertEqual(interval[2]?.first?.double, 0.1)
        let discrete = try EventFileReader.fields(try XCTUnwrap(infos[1][5]?.first?.data))
        XCTAssertEqual(try (discrete[1] ?? []).map { try value($0) }, ["string sgd", "string adam"])
        let metrics = try (experiment[5] ?? []).map { try EventFileReader.fields(try XCTUnwrap($0.data)) }
        let metricNames = try metrics.map { try EventFileReader.fields(try XCTUnwrap($0[1]?.first?.data)) }
        XCTAssertEqual(metricNames.map { $0[2]?.first?.string }, ["accuracy/validation", "accuracy/test"])
        XCTAssertEqual(metrics.map { $0[5]?.first?.int64 }, [2, nil], "DATASET_VALIDATION, then unknown")

        let start = try EventFileReader.fields(try XCTUnwrap(summaries[1].data[3]?.first?.data))
        let entries = try (start[1] ?? []).map { try EventFileReader.fields(try XCTUnwrap($0.data)) }
        XCTAssertEqual(entries.map { $0[1]?.first?.string }, ["learning_rate", "optimizer", "augment"])
        XCTAssertEqual(try entries.map { try value($0[2]?.first) }, ["number 0.01", "string adam", "bool 0"])
        XCTAssertEqual(start[5]?.first?.double, summaries[1].wallTime, "start_time_secs")

        let end = try EventFileReader.fields(try XCTUnwrap(summaries[2].data[4]?.first?.data))
        XCTAssertEqual(end[1]?.first?.int64, 2, "STATUS_FAILURE")
        XCTAssertEqual(end[2]?.first?.double, summaries[2].wallTime, "end_time_secs")
    }
}
