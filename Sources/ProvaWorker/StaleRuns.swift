import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Cleans up after a worker process that was killed outright (SIGKILL, power loss): its containers may still be
/// running under runc, burning the capacity the journal is about to reuse, and their /output tmpfs mounts are
/// still mounted under `<data>/runs`. Containers are killed and deleted (with their cgroups), mounts detached, and
/// the run directories removed; the journal then reruns or resubmits what was in flight.
enum StaleRuns {
    static func cleanUp(runc: String, stateRoot: URL, runs: URL) {
        if let ids = try? run(runc, ["--root", stateRoot.path, "list", "--quiet"]) {
            for id in ids.split(whereSeparator: \.isNewline).map(String.init) where id.hasPrefix("prova-") {
                _ = try? run(runc, ["--root", stateRoot.path, "delete", "--force", id])
            }
        }
        for mountPoint in mounts(under: runs.path).sorted(by: { $0.count > $1.count }) {
            _ = umount2(mountPoint, Int32(MNT_DETACH))
        }
        try? FileManager.default.removeItem(at: runs)
        try? FileManager.default.createDirectory(at: runs, withIntermediateDirectories: true)
    }

    /// Mount points at or below `prefix`, from /proc/self/mountinfo (field 5; spaces are escaped as \040).
    static func mounts(under prefix: String) -> [String] {
        guard let text = try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            let point = String(fields[4]).replacingOccurrences(of: "\\040", with: " ")
            return point == prefix || point.hasPrefix(prefix + "/") ? point : nil
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}
