import Foundation
import ProvaTesting
import Testing

@testable import ProvaSandbox
import ProvaCore

@Suite("Seccomp profile conversion", .tags(.unit))
struct SeccompProfileTests {
    @Test("Debian's containers profile converts for a process without capabilities")
    func containersDefault() throws {
        let profile = try SeccompProfile.containersDefault()
        #expect(profile.defaultAction == "SCMP_ACT_ERRNO")
        #expect(profile.defaultErrnoRet == 38)
        #expect(profile.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"])
        let allowed = Set(profile.syscalls.filter { $0.action == "SCMP_ACT_ALLOW" }.flatMap(\.names))
        #expect(allowed.contains("read") && allowed.contains("clone") && allowed.contains("arch_prctl"))
        // mount, reboot etc. stay allowed by this profile: they fail for lack of capabilities.
        for privileged in ["bpf", "chroot", "init_module", "kexec_load", "open_by_handle_at", "s390_runtime_instr"] {
            #expect(!allowed.contains(privileged), "\(privileged) must not be allowed")
        }
        let denied = Set(profile.syscalls.filter { $0.action == "SCMP_ACT_ERRNO" }.flatMap(\.names))
        #expect(denied.contains("bpf"), "the explicit EPERM rule for callers without CAP_SYS_ADMIN is kept")
    }

    @Test("includes/excludes by capability, architecture and kernel version")
    func conditions() throws {
        let moby = Data("""
            {"defaultAction":"SCMP_ACT_ERRNO","archMap":[{"architecture":"SCMP_ARCH_X86_64","subArchitectures":["SCMP_ARCH_X86"]}],
             "syscalls":[
              {"names":["a"],"action":"SCMP_ACT_ALLOW","args":[]},
              {"names":["b"],"action":"SCMP_ACT_ALLOW","includes":{"caps":["CAP_SYS_ADMIN"]}},
              {"names":["c"],"action":"SCMP_ACT_ERRNO","errnoRet":1,"excludes":{"caps":["CAP_SYS_ADMIN"]}},
              {"names":["d"],"action":"SCMP_ACT_ALLOW","includes":{"arches":["s390x"]}},
              {"names":["e"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"99.0"}},
              {"names":["f"],"action":"SCMP_ACT_ALLOW","includes":{"minKernel":"4.8"}},
              {"names":["g"],"action":"SCMP_ACT_ALLOW","excludes":{"arches":["amd64"]}},
              {"names":["h"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"}]}
             ]}
            """.utf8)
        let profile = try SeccompProfile.fromMoby(moby, architecture: "amd64", kernelRelease: "6.1.0-18-amd64")
        #expect(profile.architectures == ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"])
        #expect(profile.syscalls.map { $0.names[0] } == ["a", "c", "f", "h"])
        #expect(profile.syscalls[1].errnoRet == 1)
        #expect(profile.syscalls[0].args == nil)
        #expect(profile.syscalls[3].args == [.init(index: 0, value: 8, valueTwo: nil, op: "SCMP_CMP_EQ")])
    }

    @Test("a malformed profile is a SandboxError")
    func malformed() {
        let error = #expect(throws: SandboxError.self) { try SeccompProfile.fromMoby(Data("[]".utf8)) }
        #expect(error?.code == .seccompProfileInvalid)
    }
}

@Suite("OCI config", .tags(.unit))
struct BundleConfigTests {
    private func config(gpus: [GPUDevice] = [], proof: Bool = false,
                        identity: ProgramIdentity = .userNamespace(hostID: 100_000, size: 65_536)) throws -> OCISpec {
        var spec = try Fixtures.spec("true", limits: Fixtures.limits(memory: 256 << 20, pids: 50, tmp: 3 << 20),
                                     proof: proof ? URL(fileURLWithPath: "/proofs") : nil)
        spec.limits.cpuMillicores = 1500
        spec.gpus = gpus
        return BundleConfig.make(spec: spec, environment: try spec.containerEnvironment(),
                                 outputSource: "/bundle/output", cgroupsPath: "/prova/x", seccomp: nil, identity: identity)
    }

    @Test("without a user namespace the program runs as the fixed unprivileged uid")
    func unprivilegedUser() throws {
        let config = try config(identity: .unprivilegedUser(uid: 100_000, gid: 100_000))
        #expect(config.process.user == .init(uid: 100_000, gid: 100_000))
        #expect(!config.linux.namespaces.contains { $0.type == "user" })
        #expect(config.linux.uidMappings == nil)
    }

    @Test("read-only root, no capabilities, no new privileges, own network namespace, limits")
    func posture() throws {
        let config = try config()
        #expect(config.root.readonly)
        #expect(config.process.capabilities == .none)
        #expect(config.process.noNewPrivileges)
        // Container root is host uid 100,000 in its own user namespace.
        #expect(config.process.user.uid == 0)
        #expect(Set(config.linux.namespaces.map(\.type)) == ["pid", "network", "ipc", "uts", "mount", "user"])
        #expect(config.linux.uidMappings == [.init(containerID: 0, hostID: 100_000, size: 65_536)])
        #expect(config.linux.gidMappings == config.linux.uidMappings)
        #expect(config.linux.resources.memory.limit == 256 << 20)
        #expect(config.linux.resources.memory.swap == 256 << 20, "swap equal to the limit means no swap")
        #expect(config.linux.resources.cpu.quota == 150_000 && config.linux.resources.cpu.period == 100_000)
        #expect(config.linux.resources.pids.limit == 50)
        #expect(config.linux.cgroupsPath == "/prova/x")
        let tmp = try #require(config.mounts.first { $0.destination == "/tmp" })
        #expect(tmp.type == "tmpfs" && tmp.options.contains("size=\(3 << 20)"))
        let input = try #require(config.mounts.first { $0.destination == "/input" })
        #expect(input.options.contains("ro"))
        #expect(config.mounts.first { $0.destination == "/output" }?.source == "/bundle/output")
        #expect(!config.mounts.contains { $0.destination == "/proof" })
        #expect(try self.config(proof: true).mounts.first { $0.destination == "/proof" }?.options.contains("ro") == true)
        #expect(config.process.env.contains { $0.hasPrefix("PATH=") })
    }

    @Test("without GPUs no device, device rule or driver mount is added")
    func noGPUs() throws {
        let config = try config()
        #expect(config.linux.devices == nil)
        #expect(config.linux.resources.devices == [.init(allow: false, type: nil, major: nil, minor: nil, access: "rwm")])
        #expect(!config.mounts.contains { $0.destination.contains("nvidia") })
        #expect(!config.process.env.contains { $0.hasPrefix("NVIDIA_VISIBLE_DEVICES=") })
    }

    @Test("a requested GPU becomes a device node and an allow rule")
    func withGPU() throws {
        let gpu = GPUDevice(index: 0, path: "/dev/nvidia0", major: 195, minor: 0)
        let config = try config(gpus: [gpu])
        #expect(config.linux.devices?.first == .init(path: "/dev/nvidia0", type: "c", major: 195, minor: 0, fileMode: 0o666, uid: 0, gid: 0))
        #expect(config.linux.resources.devices.contains(.init(allow: true, type: "c", major: 195, minor: 0, access: "rw")))
        #expect(config.process.env.contains("NVIDIA_VISIBLE_DEVICES=0"))
    }
}

@Suite("GPU discovery", .tags(.unit))
struct GPUDiscoveryTests {
    @Test("a /dev without NVIDIA character devices yields no GPUs")
    func fakeDev() throws {
        let dev = try Fixtures.temporaryDirectory("dev")
        try Data().write(to: dev.appendingPathComponent("nvidia0"))  // a regular file, not a device
        #expect(GPUDiscovery.nvidiaDevices(devDirectory: dev.path) == [])
    }

    @Test("this machine has no NVIDIA GPU, so discovery returns []",
          .enabled(if: !FileManager.default.fileExists(atPath: "/dev/nvidia0")))
    func hostWithoutGPU() {
        #expect(GPUDiscovery.nvidiaDevices() == [])
    }
}

@Suite("cgroup counters", .tags(.unit))
struct CgroupUsageTests {
    @Test("v1: oom_kill, max_usage_in_bytes and cpuacct.usage")
    func v1() throws {
        let root = try Fixtures.temporaryDirectory("cgroup")
        let memory = root.appendingPathComponent("memory/prova/r1")
        let cpu = root.appendingPathComponent("cpu,cpuacct/prova/r1")
        try FileManager.default.createDirectory(at: memory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: cpu, withIntermediateDirectories: true)
        try "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n".write(to: memory.appendingPathComponent("memory.oom_control"), atomically: true, encoding: .utf8)
        try "123456\n".write(to: memory.appendingPathComponent("memory.max_usage_in_bytes"), atomically: true, encoding: .utf8)
        try "2500000000\n".write(to: cpu.appendingPathComponent("cpuacct.usage"), atomically: true, encoding: .utf8)
        let usage = CgroupUsage.read(layout: .v1, cgroupsPath: "/prova/r1", cgroupRoot: root.path)
        #expect(usage == CgroupUsage(oomKilled: true, peakMemoryBytes: 123456, cpuMilliseconds: 2500))
    }

    @Test("v2: memory.events oom_kill, memory.peak and cpu.stat usage_usec")
    func v2() throws {
        let root = try Fixtures.temporaryDirectory("cgroup2")
        let group = root.appendingPathComponent("prova/r2")
        try FileManager.default.createDirectory(at: group, withIntermediateDirectories: true)
        try "low 0\nhigh 0\nmax 3\noom 1\noom_kill 0\n".write(to: group.appendingPathComponent("memory.events"), atomically: true, encoding: .utf8)
        try "777\n".write(to: group.appendingPathComponent("memory.peak"), atomically: true, encoding: .utf8)
        try "usage_usec 4200\nuser_usec 4000\n".write(to: group.appendingPathComponent("cpu.stat"), atomically: true, encoding: .utf8)
        try Data().write(to: root.appendingPathComponent("cgroup.controllers"))
        #expect(CgroupLayout.detect(cgroupRoot: root.path) == .v2)
        let usage = CgroupUsage.read(layout: .v2, cgroupsPath: "/prova/r2", cgroupRoot: root.path)
        #expect(usage == CgroupUsage(oomKilled: false, peakMemoryBytes: 777, cpuMilliseconds: 4))
    }

    @Test("this host is detected as v1 (hybrid)", .enabled(if: !FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")))
    func hostLayout() {
        #expect(CgroupLayout.detect() == .v1)
    }
}

@Suite("tar headers", .tags(.unit))
struct TarReaderTests {
    @Test("GNU long names and pax paths are read in full", arguments: ["gnu", "pax"])
    func longNames(format: String) throws {
        let directory = try Fixtures.temporaryDirectory("tar")
        let deep = (0..<6).map { "directory-number-\($0)-with-a-long-name" }.joined(separator: "/")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("src/" + deep), withIntermediateDirectories: true)
        try Data("x".utf8).write(to: directory.appendingPathComponent("src/" + deep + "/file.txt"))
        try FileManager.default.createSymbolicLink(
            atPath: directory.path + "/src/link", withDestinationPath: deep + "/file.txt")
        let archive = directory.appendingPathComponent("out.tar")
        try Fixtures.runTool("/bin/tar", ["--format=\(format)", "-cf", archive.path, "-C", directory.path + "/src", "."])
        let entries = try TarReader.entries(ofFile: archive.path)
        let file = try #require(entries.first { $0.name.hasSuffix("file.txt") })
        #expect(file.name == "./" + deep + "/file.txt" && file.size == 1 && file.kind == .file)
        let link = try #require(entries.first { $0.name == "./link" })
        #expect(link.kind == .symlink && link.linkName == deep + "/file.txt")
    }

    @Test("a corrupt header is rejected")
    func corrupt() throws {
        var tar = TarWriter()
        try tar.add("file", content: Data("x".utf8))
        var bytes = tar.finished()
        bytes[0] = UInt8(ascii: "g")
        let file = try Fixtures.temporaryDirectory("corrupt").appendingPathComponent("x.tar")
        try bytes.write(to: file)
        let error = #expect(throws: SandboxError.self) { try TarReader.entries(ofFile: file.path) }
        #expect(error?.code == .invalidArchive)
    }
}
