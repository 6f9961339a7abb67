import Datasets
import Foundation
import Synchronization

/// Ctrl-C and SIGTERM, turned into a flag the runner checks between blocks and training steps, so
/// a stopped run ends like a failed one: its partial outputs set aside, the previous run's intact.
public enum Interruption {
    private static let flag = Atomic<Int32>(0)

    /// The signal that asked the run to stop, if one has.
    public static var signal: Int32? {
        let value = flag.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    public static var requested: Bool { signal != nil }

    /// Routes SIGINT and SIGTERM to the flag. A second signal of either kind ends the process at once.
    public static func install() {
        for number in [SIGINT, SIGTERM] {
            Foundation.signal(number) { received in
                if Interruption.flag.exchange(received, ordering: .relaxed) != 0 {
                    _exit(128 + received)
                }
            }
        }
    }
}

extension DatasetFetcher {
    /// A fetcher whose downloads stop when a run is asked to (after `Interruption.install()`).
    public static func stoppingOnInterruption(progress: DownloadProgress) -> DatasetFetcher {
        DatasetFetcher(downloader: Downloader(isCancelled: { Interruption.requested }), progress: progress)
    }
}
