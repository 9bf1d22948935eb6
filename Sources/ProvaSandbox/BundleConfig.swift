import Foundation

/// Builds the OCI config of one run from a `RunSpec`: the security posture of DESIGN.md §8 lives here.
enum BundleConfig {
    static let cpuPeriodMicroseconds: UInt64 = 100_000

    /// 65536 open files, or less when the host's own hard limit is lower: raising it would need
    /// CAP_SYS_RESOURCE, which runc may not have (it fails with "error setting rlimit type 7").
    static var openFilesLimit: UInt64 {
        var current = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &current) == 0 else { return 1024 }
        return min(65536, UInt64(current.rlim_max))
    }

    /// - Parameters:
    ///   - outputSource: host directory (a size-limited tmpfs) bound at /output.
    ///   - cgroupsPath: e.g. "/prova/<run id>", read back for usage counters.
    static func make(
        spec: RunSpec,
        environment: [String],
        outputSource: String,
        cgroupsPath: String,
        seccomp: SeccompProfile?,
        identity: ProgramIdentity,
        hostname: String = "prova"
    ) -> OCISpec {
        let limits = spec.limits
        var mounts: [OCISpec.Mount] = [
            .init(destination: "/proc", type: "proc", source: "proc", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            .init(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]),
            .init(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            .init(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            .init(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            .init(destination: "/tmp", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "nodev", "mode=1777", "size=\(limits.tmpBytesLimit)"]),
            .init(destination: "/input", type: "bind", source: spec.inputDirectory.path,
                  options: ["rbind", "ro", "nosuid", "nodev"]),
            .init(destination: "/output", type: "bind", source: outputSource,
                  options: ["rbind", "rw", "nosuid", "nodev"]),
        ]
        if let proof = spec.proofDirectory {
            mounts.append(.init(destination: "/proof", type: "bind", source: proof.path,
                                options: ["rbind", "ro", "nosuid", "nodev"]))
        }

        let gpus = GPUPassthrough(gpus: spec.gpus, environment: environment)
        mounts += gpus.mounts
        let devices = gpus.devices
        let deviceRules: [OCISpec.DeviceRule] = [.init(allow: false, access: "rwm")] + gpus.rules

        let quota = max(1000, limits.cpuMillicores * Int64(cpuPeriodMicroseconds) / 1000)
        var namespaces = ["pid", "network", "ipc", "uts", "mount"]
        let user: OCISpec.User
        var mappings: [OCISpec.IDMapping]?
        switch identity {
        case .userNamespace(let hostID, let size):
            namespaces.append("user")
            mappings = [.init(containerID: 0, hostID: hostID, size: size)]
            user = .init(uid: 0, gid: 0)
        case .unprivilegedUser(let uid, let gid):
            user = .init(uid: uid, gid: gid)
        }
        return OCISpec(
            process: .init(
                user: user,
                args: spec.command,
                env: gpus.environment,
                cwd: "/",
                capabilities: .none,
                rlimits: [
                    .init(type: "RLIMIT_NOFILE", hard: openFilesLimit, soft: openFilesLimit),
                    .init(type: "RLIMIT_CORE", hard: 0, soft: 0),
                ],
                noNewPrivileges: true),
            root: .init(path: spec.rootfs.path, readonly: true),
            hostname: hostname,
            mounts: mounts,
            hooks: gpus.hooks,
            linux: .init(
                namespaces: namespaces.map { .init(type: $0) },
                resources: .init(
                    memory: .init(limit: limits.memoryBytes, swap: limits.memoryBytes),
                    cpu: .init(quota: quota, period: cpuPeriodMicroseconds),
                    pids: .init(limit: Int64(limits.pids)),
                    devices: deviceRules),
                cgroupsPath: cgroupsPath,
                uidMappings: mappings,
                gidMappings: mappings,
                devices: devices.isEmpty ? nil : devices,
                seccomp: seccomp,
                maskedPaths: [
                    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                    "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware",
                    "/proc/scsi",
                ],
                readonlyPaths: [
                    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
                ]))
    }
}
