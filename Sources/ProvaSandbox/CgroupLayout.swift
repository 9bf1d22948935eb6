import Foundation

/// Which cgroup hierarchy the host uses. Both are supported: this host family runs v1 (hybrid).
public enum CgroupLayout: String, Sendable, Codable, Equatable {
    case v1
    case v2

    /// v2 when /sys/fs/cgroup itself is the unified hierarchy, v1 otherwise (including hybrid hosts).
    public static func detect(cgroupRoot: String = "/sys/fs/cgroup") -> CgroupLayout {
        FileManager.default.fileExists(atPath: cgroupRoot + "/cgroup.controllers") ? .v2 : .v1
    }
}

/// Counters of one container's cgroup, read after the program exits and before `runc delete`.
struct CgroupUsage: Sendable, Equatable {
    var oomKilled: Bool
    var peakMemoryBytes: Int64
    var cpuMilliseconds: Int64

    static let unknown = CgroupUsage(oomKilled: false, peakMemoryBytes: 0, cpuMilliseconds: 0)

    /// Reads the counters of `cgroupsPath` (as written in the OCI config, e.g. "/prova/abc").
    /// Missing files give zeros rather than errors: usage is informative, the run already happened.
    static func read(layout: CgroupLayout, cgroupsPath: String, cgroupRoot: String = "/sys/fs/cgroup") -> CgroupUsage {
        switch layout {
        case .v1:
            let memory = cgroupRoot + "/memory" + cgroupsPath
            let cpuacct = ["cpuacct", "cpu,cpuacct", "cpuacct,cpu"]
                .map { cgroupRoot + "/" + $0 + cgroupsPath }
                .first { FileManager.default.fileExists(atPath: $0 + "/cpuacct.usage") }
            let oomControl = keyedValues(readText(memory + "/memory.oom_control"))
            let failures = Int64(readText(memory + "/memory.failcnt").trimmed) ?? 0
            let swapFailures = Int64(readText(memory + "/memory.memsw.failcnt").trimmed) ?? 0
            // `oom_kill` exists since Linux 4.13; older kernels only tell us the limit was hit.
            let oomKilled = oomControl["oom_kill"].map { $0 > 0 } ?? (failures + swapFailures > 0)
            let peak = Int64(readText(memory + "/memory.max_usage_in_bytes").trimmed) ?? 0
            let cpuNanoseconds = cpuacct.flatMap { Int64(readText($0 + "/cpuacct.usage").trimmed) } ?? 0
            return CgroupUsage(oomKilled: oomKilled, peakMemoryBytes: peak, cpuMilliseconds: cpuNanoseconds / 1_000_000)
        case .v2:
            let directory = cgroupRoot + cgroupsPath
            let events = keyedValues(readText(directory + "/memory.events"))
            let peak = Int64(readText(directory + "/memory.peak").trimmed) ?? 0
            let cpu = keyedValues(readText(directory + "/cpu.stat"))
            return CgroupUsage(
                oomKilled: (events["oom_kill"] ?? 0) > 0,
                peakMemoryBytes: peak,
                cpuMilliseconds: (cpu["usage_usec"] ?? 0) / 1000)
        }
    }

    static func readText(_ path: String) -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    /// Parses "key value" lines (memory.oom_control, memory.events, cpu.stat).
    static func keyedValues(_ text: String) -> [String: Int64] {
        var values: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Int64(parts[1]) {
                values[String(parts[0])] = value
            }
        }
        return values
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
}
