import Foundation
import Testing

@testable import ProvaSandbox

/// Shared helpers for the sandbox tests: a busybox root filesystem, temp dirs, a runtime.
enum Fixtures {
    /// Built once per test process: bin/busybox plus a relative symlink per applet, and one
    /// absolute symlink (/etc/abs-marker -> /etc/image-marker) like real images have.
    static let busyboxRootfs: Result<URL, any Error> = Result {
        let root = try temporaryDirectory("rootfs")
        let bin = root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        guard let busybox = Executable.locate("busybox") else {
            throw FixtureError("busybox is not installed; run `apt-get install -y busybox-static`")
        }
        try FileManager.default.copyItem(atPath: busybox, toPath: bin.path + "/busybox")
        let list = try runTool(busybox, ["--list"])
        for applet in list.split(separator: "\n") where applet != "busybox" {
            try FileManager.default.createSymbolicLink(atPath: bin.path + "/" + applet, withDestinationPath: "busybox")
        }
        for directory in ["etc", "proc", "dev", "sys", "tmp", "input", "output", "proof"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(directory), withIntermediateDirectories: true)
        }
        // As `ImageImporter` leaves it: runc gives the /tmp tmpfs the mode of the image's /tmp, and the program is not root.
        try FileManager.default.setAttributes([.posixPermissions: 0o1777], ofItemAtPath: root.appendingPathComponent("tmp").path)
        try Data("prova-test\n".utf8).write(to: root.appendingPathComponent("etc/image-marker"))
        try FileManager.default.createSymbolicLink(
            atPath: root.path + "/etc/abs-marker", withDestinationPath: "/etc/image-marker")
        return root
    }

    static func rootfs() throws -> URL { try busyboxRootfs.get() }

    /// This process's scratch area; areas left by earlier test processes are removed first.
    static let scratchRoot: URL = {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("prova-sandbox-tests")
        for name in (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? [] {
            guard let pid = Int32(name.dropFirst(4)), name.hasPrefix("pid-") else {
                try? FileManager.default.removeItem(at: base.appendingPathComponent(name))
                continue
            }
            if kill(pid, 0) != 0 { try? FileManager.default.removeItem(at: base.appendingPathComponent(name)) }
        }
        return base.appendingPathComponent("pid-\(getpid())")
    }()

    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = scratchRoot.appendingPathComponent(label + "-" + UUID().uuidString.lowercased())
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A real runtime; fails the test with a clear message when runc is missing.
    static func runtime() throws -> RuncRuntime {
        guard Executable.locate("runc") != nil else {
            Issue.record("runc is not installed: these tests need real containers. Run `apt-get install -y runc` as root.")
            throw FixtureError("runc is not installed")
        }
        guard getuid() == 0 else {
            Issue.record("the sandbox tests must run as root (runc and the /output tmpfs need it)")
            throw FixtureError("not root")
        }
        return RuncRuntime(
            stateRoot: try temporaryDirectory("runc-state"),
            seccompProfile: try SeccompProfile.containersDefault())
    }

    static func limits(
        memory: Int64 = 64 << 20, pids: Int = 64, time: Int64 = 30, grace: Int64 = 1,
        output: Int64 = 8 << 20, tmp: Int64 = 8 << 20, log: Int64 = 1 << 20
    ) -> RunLimits {
        RunLimits(
            cpuMillicores: 1000, memoryBytes: memory, pids: pids, timeLimitSeconds: time, killGraceSeconds: grace,
            outputBytesLimit: output, tmpBytesLimit: tmp, logBytesLimit: log)
    }

    /// A spec running `sh -c script` with fresh input, output and working directories.
    static func spec(
        _ script: String, limits: RunLimits = limits(), environment: [String] = [], inputFiles: [String: String] = [:],
        proof: URL? = nil
    ) throws -> RunSpec {
        let base = try temporaryDirectory("run")
        let input = base.appendingPathComponent("input")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        for (name, content) in inputFiles {
            try Data(content.utf8).write(to: input.appendingPathComponent(name))
        }
        let work = base.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        return RunSpec(
            rootfs: try rootfs(), command: ["sh", "-c", script], environment: environment,
            inputDirectory: input, outputDirectory: base.appendingPathComponent("output"),
            proofDirectory: proof, limits: limits, workingDirectory: work)
    }

    /// Runs a host tool synchronously and returns its stdout (test setup only).
    @discardableResult
    static func runTool(_ executable: String, _ arguments: [String], in directory: URL? = nil) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension RunResult {
    var stdoutText: String { String(decoding: stdout, as: UTF8.self) }
    var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
