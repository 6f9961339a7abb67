import Datasets
import FileFormats
import Foundation

/// The events of a TensorBoard event file without their wall-clock times, for comparing what two
/// runs recorded: every event LabBook writes starts with its wall time (field 1, a double), which is
/// left out; the file-version header, whose wall time is the file's start, is skipped, and so are
/// the HParams plugin's summaries, which hold times and the sweep a run was part of.
enum EventFileRecords {
    /// The events after the header, or nil if the file is not whole TFRecord frames with intact checksums.
    static func read(_ url: URL) -> [[UInt8]]? {
        guard let bytes = try? readFile(url.path), let records = TFRecordFrames.records(bytes) else { return nil }
        // Field 1 (wall_time), wire type 1 (64 bits): the key byte 0x09 and eight bytes.
        let events = records.dropFirst().filter { !TensorBoardWriter.isHParamsSummary($0) }
            .map { $0.first == 0x09 && $0.count >= 9 ? Array($0.dropFirst(9)) : Array($0) }
        return events
    }
}
