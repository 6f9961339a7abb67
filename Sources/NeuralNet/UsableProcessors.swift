import CKernels
import Foundation

/// The processors this process may actually use: the smaller of what Foundation reports and the
/// affinity mask. Under `taskset -c 0` or a container's cpuset, two spinning threads on one
/// processor would take turns, each waiting out the other's time slice.
public enum UsableProcessors {
    public static var count: Int {
        let affinity = labbook_usable_processors()
        let active = ProcessInfo.processInfo.activeProcessorCount
        return affinity > 0 ? min(active, affinity) : active
    }
}
