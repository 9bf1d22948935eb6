public import Foundation
import ProvaCore

/// Everything one sandboxed run needs. See DESIGN.md §8 for the contract programs see.
public struct RunSpec: Sendable {
    /// A root filesystem directory (for example from `ImageStore`); mounted read-only, shared by runs.
    public var rootfs: URL
    public var command: [String]
    /// `KEY=VALUE` entries; a key may appear once. `PATH` gets a default when absent.
    public var environment: [String]
    /// Mounted read-only at /input.
    public var inputDirectory: URL
    /// Receives the files the program leaves in /output; must be empty or absent.
    public var outputDirectory: URL
    /// Mounted read-only at /proof (verifier runs).
    public var proofDirectory: URL?
    public var limits: RunLimits
    /// Devices to pass through; empty means no GPU access at all.
    public var gpus: [GPUDevice]
    /// Where the per-run bundle is created; the bundle is deleted after the run.
    public var workingDirectory: URL

    public init(
        rootfs: URL,
        command: [String],
        environment: [String] = [],
        inputDirectory: URL,
        outputDirectory: URL,
        proofDirectory: URL? = nil,
        limits: RunLimits,
        gpus: [GPUDevice] = [],
        workingDirectory: URL
    ) {
        self.rootfs = rootfs
        self.command = command
        self.environment = environment
        self.inputDirectory = inputDirectory
        self.outputDirectory = outputDirectory
        self.proofDirectory = proofDirectory
        self.limits = limits
        self.gpus = gpus
        self.workingDirectory = workingDirectory
    }

    /// The environment as the program gets it: validated, duplicates rejected, a default PATH added. Every `Runtime`
    /// uses this, so a program sees the same environment whatever runs it.
    public func containerEnvironment() throws -> [String] {
        var seen = Set<String>()
        for entry in environment {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw SandboxError.invalidSpec("environment entry \"\(entry)\" is not of the form KEY=VALUE")
            }
            let key = String(entry[..<equals])
            guard seen.insert(key).inserted else {
                throw SandboxError(
                    code: .duplicateEnvironment,
                    message: "environment variable \(key) is set more than once; keep a single KEY=VALUE entry per key")
            }
        }
        var result = environment
        if !seen.contains("PATH") {
            result.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        }
        return result
    }

    /// Throws `invalid_spec` (or a more precise code) for a spec no runtime may run: bad limits, an empty command,
    /// missing input directories, an output directory that is not empty. Every `Runtime` checks this first.
    public func validate() throws {
        try limits.validate()
        guard !command.isEmpty else { throw SandboxError.invalidSpec("command must not be empty") }
        for (name, url) in [("rootfs", rootfs), ("inputDirectory", inputDirectory)] + (proofDirectory.map { [("proofDirectory", $0)] } ?? []) {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw SandboxError.invalidSpec("\(name) \(url.path) is not a directory; create it before running")
            }
        }
        if let contents = try? FileManager.default.contentsOfDirectory(atPath: outputDirectory.path), !contents.isEmpty {
            throw SandboxError(
                code: .outputDirectoryNotEmpty,
                message: "outputDirectory \(outputDirectory.path) is not empty; give each run a fresh directory")
        }
    }
}
