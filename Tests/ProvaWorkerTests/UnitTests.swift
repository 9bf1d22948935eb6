import Foundation
import ProvaCore
import ProvaSandbox
import ProvaTesting
import Testing

@testable import ProvaWorker

@Suite(.tags(.unit))
struct UnitTests {
    @Test func environmentMergesWithLaterValuesWinning() {
        let merged = RunSettings.environment(image: ["A=1", "PATH=/bin", "B=2"], request: ["B=3", "C=4"], worker: ["PROVA_TASK_ID=t", "A=9"])
        #expect(merged == ["A=9", "PATH=/bin", "B=3", "C=4", "PROVA_TASK_ID=t"])
    }

    @Test func failuresAreExplainedInUserTerms() {
        func run(exit: Int32, timedOut: Bool = false, oom: Bool = false, stderr: String = "") -> RunResult {
            RunResult(exitCode: exit, timedOut: timedOut, oomKilled: oom, wallMilliseconds: 1, cpuMilliseconds: 1, peakMemoryBytes: 1,
                      stdout: Data(), stdoutTruncated: false, stdoutSHA256: "", stderr: Data(stderr.utf8), stderrTruncated: false,
                      stderrSHA256: "", outputs: [], outputLimitExceeded: false)
        }
        let resources = Resources(cpuMillicores: 1000, memoryBytes: 2 * Units.gib)
        #expect(RunSettings.message(for: run(exit: 137, oom: true), resources: resources, timeLimitSeconds: 60) == "OOM-killed at 2GiB")
        #expect(RunSettings.message(for: run(exit: 143, timedOut: true), resources: resources, timeLimitSeconds: 300) == "killed at the time limit of 5m")
        #expect(RunSettings.message(for: run(exit: 3, stderr: "warming up\nbad witness\n"), resources: resources, timeLimitSeconds: 60)
                == "exited with code 3: bad witness")
        #expect(RunSettings.message(for: run(exit: 0), resources: resources, timeLimitSeconds: 60) == nil)
    }

    @Test func pathsFromTheChainCannotLeaveTheirDirectory() throws {
        let base = URL(fileURLWithPath: "/tmp/run/input")
        #expect(try RunWorkspace.place("a/b.bin", in: base).path == "/tmp/run/input/a/b.bin")
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "", "a\\b"] {
            #expect(throws: WorkerError.self) { try RunWorkspace.place(bad, in: base) }
        }
    }

    @Test func labelsAndGPUsAreChecked() throws {
        #expect(try WorkerConfiguration.labels("gpu=h100, region=eu") == ["gpu": "h100", "region": "eu"])
        #expect(try WorkerConfiguration.labels("") == [:])
        #expect(throws: WorkerError.self) { try WorkerConfiguration.labels("gpu") }
        #expect(throws: WorkerError.self) { try WorkerConfiguration.labels("a=1,a=2") }
        #expect(try WorkerConfiguration.gpus(0, discovered: []).isEmpty)
        let error = #expect(throws: WorkerError.self) { try WorkerConfiguration.gpus(1, discovered: []) }
        #expect(error?.code == .gpusMissing)
        let devices = [GPUDevice(index: 0, path: "/dev/nvidia0", major: 195, minor: 0), GPUDevice(index: 1, path: "/dev/nvidia1", major: 195, minor: 1)]
        #expect(try WorkerConfiguration.gpus(1, discovered: devices) == [devices[0]])
    }

    @Test("too few GPUs in a CDI spec: the error names the spec and how to fix it")
    func gpusFromCDISpec() throws {
        let devices = [GPUDevice(index: 0, path: "/dev/nvidia0", major: 195, minor: 0)]
        let inventory = GPUInventory(source: .cdi(path: "/etc/cdi/nvidia.yaml", kind: "nvidia.com/gpu"), devices: devices)
        #expect(try WorkerConfiguration.gpus(1, from: inventory) == devices)
        let error = #expect(throws: WorkerError.self) { try WorkerConfiguration.gpus(2, from: inventory) }
        #expect(error?.code == .gpusMissing)
        #expect(error?.message.contains("CDI spec /etc/cdi/nvidia.yaml (kind nvidia.com/gpu)") == true)
        #expect(error?.message.contains("nvidia-ctk cdi generate") == true)
    }

    @Test func localCapacityHandsOutDistinctGPUs() async {
        let devices = [GPUDevice(index: 0, path: "/dev/nvidia0", major: 195, minor: 0), GPUDevice(index: 1, path: "/dev/nvidia1", major: 195, minor: 1)]
        let local = LocalCapacity(capacity: Resources(cpuMillicores: 4000, memoryBytes: 8 * Units.gib, gpus: 2), devices: devices)
        let a = JobKey(task: "a", attempt: 1, role: .prover)
        let b = JobKey(task: "b", attempt: 1, role: .prover)
        let c = JobKey(task: "c", attempt: 1, role: .prover)
        let one = Resources(cpuMillicores: 1000, memoryBytes: Units.gib, gpus: 1)
        let first = await local.reserve(a, one)
        let second = await local.reserve(b, one)
        #expect(first?.count == 1 && second?.count == 1 && first != second)
        #expect(await local.reserve(c, one) == nil)
        #expect(await local.reserve(c, Resources(cpuMillicores: 1000, memoryBytes: Units.gib)) == [])
        await local.release(a)
        #expect(await local.reserve(JobKey(task: "d", attempt: 1, role: .prover), one) == first)
    }

    @Test func journalKeepsRecordsAndTheCursorAcrossInstances() async throws {
        let directory = try Scratch.directory("journal")
        let key = JobKey(task: String(repeating: "a", count: 64), attempt: 2, role: .prover)
        var record = JobRecord(key: key, phase: .finished, program: "p", resources: Resources(cpuMillicores: 500, memoryBytes: Units.gib))
        record.result = SubmitResult(task: key.task, attempt: 2, exitCode: 0, outputs: [OutputRef(path: "o", digest: String(repeating: "b", count: 64), size: 3)])
        let journal = Journal(dataDirectory: directory)
        try await journal.prepare()
        try await journal.save(record)
        await journal.saveCursor("12:3")

        let reopened = Journal(dataDirectory: directory)
        #expect(await reopened.record(key)?.result == record.result)
        #expect(await reopened.all().map(\.key) == [key])
        #expect(await reopened.cursor() == "12:3")
        await reopened.remove(key)
        #expect(await reopened.all().isEmpty)
    }

    @Test("the codec's writer is byte for byte stable and refuses unsafe names") func deterministicTarIsByteForByteStable() throws {
        var first = TarWriter()
        try first.add("bin", kind: .directory, mode: 0o755)
        try first.add("bin/x", kind: .file, content: Data("x".utf8), mode: 0o755)
        try first.add("bin/y", kind: .symlink, linkTarget: "x", mode: 0o777)
        var second = TarWriter()
        try second.add("bin", kind: .directory, mode: 0o755)
        try second.add("bin/x", kind: .file, content: Data("x".utf8), mode: 0o755)
        try second.add("bin/y", kind: .symlink, linkTarget: "x", mode: 0o777)
        #expect(first.finished() == second.finished())
        #expect(first.finished().count % 512 == 0)
        var bad = TarWriter()
        #expect(throws: SandboxError.self) { try bad.add("../x", kind: .file, mode: 0o644) }
    }
}
