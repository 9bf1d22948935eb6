public import Foundation
public import ProvaCore

/// The file `prova workflow submit` reads: a `SubmitWorkflow` written for people. Quantities are human units,
/// resources default to the program's, and inputs may be local files (uploaded, relative to the manifest).
///
/// ```json
/// {"name": "rollup", "steps": [
///   {"name": "seg-1", "program": "<id>", "inputs": [{"file": "seg-1.bin"}], "cpus": "4", "memory": "8GiB", "time": "5m"},
///   {"name": "agg", "program": "<id>", "inputs": [{"step": "seg-1", "path": "proof.bin"}]}
/// ]}
/// ```
/// An input is one of `{"file": PATH}`, `{"url": "URL#sha256:size"}`, `{"step": NAME, "path": OUTPUT}`, or
/// `{"path", "digest", "size", "url"?}`; `path` renames a file or URL input.
public struct WorkflowManifest: Codable, Sendable, Hashable {
    public var name: String
    public var proverSet: String?
    public var steps: [Step]

    public struct Step: Codable, Sendable, Hashable {
        public var name: String
        public var program: ProgramID
        public var inputs: [Input]?
        public var cpus: String?
        public var memory: String?
        public var gpus: Int64?
        public var time: String?
        public var redundancy: Int64?
        public var verifiers: Int64?
        public var environment: [String]?
    }

    public struct Input: Codable, Sendable, Hashable {
        public var file: String?
        public var url: String?
        public var step: String?
        public var path: String?
        public var digest: String?
        public var size: ByteCount?
    }

    public static func load(_ file: URL) throws -> WorkflowManifest {
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw ClientError(.fileUnreadable, "cannot read \(file.path); check the path", cause: "\(error)")
        }
        return try decode(data, source: file.path)
    }

    public static func decode(_ data: Data, source: String) throws -> WorkflowManifest {
        do { return try JSONDecoder().decode(WorkflowManifest.self, from: data) } catch {
            throw ClientError(.badWorkflow, "\(source) is not a workflow manifest: \(Self.describe(error)); see `prova workflow submit --help`")
        }
    }

    private static func describe(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing \"\(key.stringValue)\" at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "\(context.debugDescription) at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        @unknown default:
            return "\(error)"
        }
    }
}

extension ProvaClient {
    /// Builds the `SubmitWorkflow` body of a manifest: uploads file inputs (relative to `baseDirectory`, signed by
    /// `uploader`), parses units, and fills missing resources and time limits from each step's program.
    public func resolve(_ manifest: WorkflowManifest, baseDirectory: URL, uploader: AccountKey) async throws -> SubmitWorkflow {
        var steps: [WorkflowStep] = []
        var programs: [ProgramID: Program] = [:]
        for step in manifest.steps {
            let where_ = "step '\(step.name)'"
            var defaults: Program?
            if step.cpus == nil || step.memory == nil || step.time == nil {
                if programs[step.program] == nil { programs[step.program] = try await program(step.program) }
                defaults = programs[step.program]
            }
            let resources = Resources(
                cpuMillicores: try step.cpus.map { try HumanUnits.cpu($0, option: "\(where_) cpus") } ?? defaults?.deploy.defaultResources.cpuMillicores ?? 0,
                memoryBytes: try step.memory.map { try HumanUnits.bytes($0, option: "\(where_) memory") } ?? defaults?.deploy.defaultResources.memoryBytes ?? 0,
                gpus: step.gpus ?? defaults?.deploy.defaultResources.gpus ?? 0)
            let seconds = try step.time.map { try HumanUnits.duration($0, option: "\(where_) time") } ?? defaults?.deploy.defaultTimeLimitSeconds ?? 0
            var inputs: [StepInput] = []
            for input in step.inputs ?? [] {
                inputs.append(try await resolve(input, step: step.name, baseDirectory: baseDirectory, uploader: uploader))
            }
            steps.append(WorkflowStep(name: step.name, program: step.program, inputs: inputs, resources: resources, timeLimitSeconds: seconds,
                                      redundancy: step.redundancy ?? 1, verifiers: step.verifiers ?? 3, environment: step.environment ?? []))
        }
        return SubmitWorkflow(name: manifest.name, steps: steps, proverSet: manifest.proverSet)
    }

    private func resolve(_ input: WorkflowManifest.Input, step: String, baseDirectory: URL, uploader: AccountKey) async throws -> StepInput {
        if let parent = input.step {
            guard let path = input.path else {
                throw ClientError(.badWorkflow, "step '\(step)': an input from step '\(parent)' needs \"path\", the output file to take")
            }
            return .output(ofStep: parent, path: path)
        }
        if let file = input.file {
            let url = file.hasPrefix("/") ? URL(fileURLWithPath: file) : baseDirectory.appendingPathComponent(file)
            let receipt = try await putBlob(file: url, signedBy: uploader)
            return .file(InputRef(path: input.path ?? url.lastPathComponent, digest: receipt.digest, size: receipt.size))
        }
        if let text = input.url, text.contains("#") {
            guard case .remote(var ref) = try InputSource.parse(text) else {
                throw ClientError(.badWorkflow, "step '\(step)': \"url\" must be URL#sha256:size")
            }
            if let path = input.path { ref.path = path }
            return .file(ref)
        }
        guard let path = input.path, let digest = input.digest, let size = input.size else {
            throw ClientError(.badWorkflow, "step '\(step)': an input is {\"file\"}, {\"url\": \"URL#sha256:size\"}, {\"step\", \"path\"} or {\"path\", \"digest\", \"size\"}")
        }
        return .file(InputRef(path: path, digest: digest, size: size, url: input.url))
    }
}
