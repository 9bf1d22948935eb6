import Foundation
import ProvaCore
import ProvaSandbox

/// The directories of one run under `<data>/runs/<job>`: `input` (mounted read-only at /input), `proof`
/// (verifier runs, read-only at /proof), `output` (collected from /output) and `bundle` (runc's working area).
/// A run left behind by a killed worker is wiped before the job starts again.
struct RunWorkspace: Sendable {
    let root: URL
    var input: URL { root.appendingPathComponent("input") }
    var proof: URL { root.appendingPathComponent("proof") }
    var output: URL { root.appendingPathComponent("output") }
    var bundle: URL { root.appendingPathComponent("bundle") }

    static func fresh(_ runs: URL, for key: JobKey) throws -> RunWorkspace {
        let workspace = RunWorkspace(root: runs.appendingPathComponent("\(key.task)-\(key.attempt)-\(key.role.rawValue)"))
        do {
            try? FileManager.default.removeItem(at: workspace.root)
            for directory in [workspace.input, workspace.proof, workspace.bundle] {
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            }
        } catch {
            throw WorkerError(.workspaceFailed, "cannot create the run directory \(workspace.root.path); check free disk space", cause: "\(error)")
        }
        return workspace
    }

    func remove() {
        try? FileManager.default.removeItem(at: root)
    }

    /// `base/path` for a path from the chain, refusing anything that could leave `base`.
    static func place(_ path: String, in base: URL) throws -> URL {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }),
              !path.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" }) else {
            throw WorkerError(.badPath, "file path '\(path)' is not a plain relative path; the request is malformed")
        }
        return base.appendingPathComponent(path)
    }
}

/// Environment and limits of the runs, as DESIGN §8 promises them to programs.
enum RunSettings {
    /// Image defaults, then the request's entries, then the worker's `PROVA_*` facts; a later value of a key wins,
    /// so each key appears once (the sandbox refuses duplicates).
    static func environment(image: [String], request: [String], worker: [String]) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        for entry in image + request + worker {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else { continue }
            let key = String(entry[..<equals])
            if values[key] == nil { order.append(key) }
            values[key] = entry
        }
        return order.compactMap { values[$0] }
    }

    static func facts(task: TaskRecord, attempt: Int, role: JobRole, resources: Resources, timeLimitSeconds: Seconds, worker: Address) -> [String] {
        [
            "PROVA_TASK_ID=\(task.id)", "PROVA_ATTEMPT=\(attempt)", "PROVA_ROLE=\(role == .prover ? "prove" : "verify")",
            "PROVA_PROGRAM_ID=\(task.program)", "PROVA_TASK_KIND=\(task.kind.rawValue)", "PROVA_WORKER=\(worker)",
            "PROVA_CPU_MILLICORES=\(resources.cpuMillicores)", "PROVA_MEMORY_BYTES=\(resources.memoryBytes)",
            "PROVA_GPUS=\(resources.gpus)", "PROVA_TIME_LIMIT_SECONDS=\(timeLimitSeconds)",
        ]
    }

    static func limits(_ resources: Resources, timeLimitSeconds: Seconds, configuration: WorkerConfiguration) -> RunLimits {
        let memory = max(resources.memoryBytes, 4 * Units.mib)
        return RunLimits(
            cpuMillicores: max(resources.cpuMillicores, 10), memoryBytes: memory, pids: configuration.pidsLimit,
            timeLimitSeconds: max(timeLimitSeconds, 1), killGraceSeconds: 2,
            outputBytesLimit: configuration.outputBytesLimit,
            // /tmp pages count against the memory limit anyway, so /tmp may be as large as the memory asked for.
            tmpBytesLimit: memory, logBytesLimit: configuration.logBytesLimit,
            maxOutputFiles: configuration.maxOutputFiles, maxOutputPathBytes: configuration.maxOutputPathBytes)
    }

    /// A message as a result may carry it: at most `Limits.maxMessageLength` bytes, cut at a character.
    static func clipped(_ message: String) -> String {
        var result = ""
        for character in message {
            guard result.utf8.count + String(character).utf8.count <= Limits.maxMessageLength else { break }
            result.append(character)
        }
        return result
    }

    /// A short explanation of a run that did not succeed, for the requester ("OOM-killed at 2GiB").
    static func message(for run: RunResult, resources: Resources, timeLimitSeconds: Seconds) -> String? {
        var parts: [String] = []
        if run.oomKilled { parts.append("OOM-killed at \(Units.formatBytes(resources.memoryBytes))") }
        if run.timedOut { parts.append("killed at the time limit of \(Units.formatDuration(timeLimitSeconds))") }
        if run.outputLimitExceeded { parts.append("/output is full") }
        if !run.oomKilled, !run.timedOut, run.exitCode != 0 {
            let lastLine = String(decoding: run.stderr, as: UTF8.self).split(whereSeparator: \.isNewline).last.map(String.init) ?? ""
            parts.append("exited with code \(run.exitCode)" + (lastLine.isEmpty ? "" : ": " + lastLine))
        }
        guard !parts.isEmpty else { return nil }
        return String(parts.joined(separator: "; ").prefix(600))
    }
}
