import Foundation

/// Picks fast OpenBLAS kernels on CPUs that this OpenBLAS build does not recognise.
///
/// Debian's OpenBLAS 0.3.21 does not know some newer CPUs (Intel model 207 with AVX-512, for one) and
/// falls back to its SSE3 "Prescott" kernels, five times slower. OpenBLAS reads `OPENBLAS_CORETYPE`
/// only while the library loads, which is before `main` runs, so the choice has to be made by
/// re-executing the process once with the variable set. A core OpenBLAS detected itself, or one the
/// user set, is never overridden.
public enum BLASCoreSelection {
    /// The variable OpenBLAS reads; also how a re-executed process knows it was re-executed.
    public static let variable = "OPENBLAS_CORETYPE"

    /// The core to run with instead of `detected`, or nil to keep it: only when OpenBLAS fell back to
    /// its generic kernels, the user set no core, and the CPU has the features of a faster one.
    public static func replacement(detected: String, cpuFlags: Set<String>, environment: [String: String]) -> String? {
        guard environment[variable] == nil, detected.lowercased() == "prescott" else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        if cpuFlags.contains("avx") { return "Sandybridge" }
        return nil
    }

    /// The CPU's feature flags, from /proc/cpuinfo (empty where there is none).
    public static func cpuFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let list = line.split(separator: ":", maxSplits: 1).last else { return [] }
        return Set(list.split(separator: " ").map(String.init))
    }

    /// Re-executes this process with a faster core when `replacement` finds one; returns otherwise.
    public static func reexecuteWithFasterCoreIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        guard let core = replacement(detected: BLASInfo.coreName, cpuFlags: cpuFlags(), environment: environment) else {
            return
        }
        setenv(variable, core, 1)
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        // execv returns only on failure: carry on with the slow kernels rather than not at all.
        unsetenv(variable)
    }
}
