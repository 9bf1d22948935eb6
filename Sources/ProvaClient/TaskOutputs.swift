public import Foundation
public import ProvaCore

/// A downloaded output file.
public struct DownloadedOutput: Sendable, Hashable {
    public var output: OutputRef
    public var file: URL
}

extension TaskRecord {
    /// The attempt whose outputs a requester should take: the verified one, or — unless `requireVerified` — the first
    /// delivered one (outputs are downloadable as soon as they are delivered). Throws, saying why, when there is none.
    public func deliverableAttempt(requireVerified: Bool) throws -> Attempt {
        if let number = verifiedAttempt, let attempt = attempts.first(where: { $0.number == number }), attempt.result != nil {
            return attempt
        }
        if requireVerified {
            throw ClientError(.notVerified, "task \(id) has no verified proof yet (it is \(state.rawValue)); wait with `prova task watch \(id)`, or drop --verified to take a delivered one")
        }
        let delivered = attempts.filter { $0.result?.succeeded == true && $0.deliveredAtMilliseconds != nil && $0.state != .rejected }
        guard let first = delivered.min(by: { ($0.deliveredAtMilliseconds ?? 0, $0.number) < ($1.deliveredAtMilliseconds ?? 0, $1.number) }) else {
            throw ClientError(.notDelivered, "task \(id) has no delivered proof yet (it is \(state.rawValue)\(failure.map { ": \($0)" } ?? "")); follow it with `prova task watch \(id)`")
        }
        return first
    }
}

extension ProvaClient {
    /// Downloads every output of the task's deliverable attempt into `directory` (keeping each output's relative path),
    /// checking each digest. Output paths that would leave `directory` are refused.
    public func downloadOutputs(of task: TaskRecord, to directory: URL, requireVerified: Bool) async throws -> (attempt: Attempt, files: [DownloadedOutput]) {
        let attempt = try task.deliverableAttempt(requireVerified: requireVerified)
        var files: [DownloadedOutput] = []
        for output in attempt.result?.outputs ?? [] {
            let file = try OutputPath.resolve(output.path, in: directory)
            try await getBlob(digest: output.digest, to: file)
            files.append(DownloadedOutput(output: output, file: file))
        }
        return (attempt, files)
    }
}

/// Where an output lands on disk: always inside the chosen directory, whatever the recorded path says.
enum OutputPath {
    static func resolve(_ path: String, in directory: URL) throws -> URL {
        let components = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.unicodeScalars.contains(where: { $0.value < 0x20 }),
              components.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }) else {
            throw ClientError(.unsafeOutputPath, "output path '\(path)' would leave the output directory; refusing to write it")
        }
        return components.reduce(directory) { $0.appendingPathComponent(String($1)) }
    }
}
