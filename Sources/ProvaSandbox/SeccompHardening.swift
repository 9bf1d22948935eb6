import Glibc

/// What Prova adds to a converted profile so that it refuses at least what the container engines' default profiles refuse
/// a process without capabilities (DESIGN.md §8).
///
/// Debian's containers-common profile is written for rootless podman, which nests containers: it allows `unshare`,
/// `clone` and `clone3` with any flags, `mount`, `keyctl`, `setns` and `pivot_root` outright. A program given those can
/// make a user namespace, become "root" there and reach every kernel path that is only guarded by a capability in its
/// own namespace. The rules here are Docker's: namespace flags refused on `clone`, `clone3` answered ENOSYS (so that
/// libc falls back to `clone`, whose flags a filter can see — `clone3` passes them in memory), and the calls below
/// refused with EPERM.
extension SeccompProfile {
    /// Refused with EPERM: new namespaces and mounts, kernel keyrings, BPF, userfaultfd, perf events, modules, kexec,
    /// clocks, swap, reboot, accounting, quotas, handles that bypass paths, io_uring, and the obsolete calls Docker
    /// refuses. Names this kernel or libseccomp does not know are skipped by runc.
    public static let refusedSyscalls: [String] = [
        "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
        "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",
        "keyctl", "add_key", "request_key",
        "bpf", "userfaultfd", "perf_event_open", "fanotify_init", "lookup_dcookie",
        "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
        "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd",
        "clock_settime", "clock_adjtime", "settimeofday", "stime",
        "open_by_handle_at", "name_to_handle_at", "kcmp",
        "ioperm", "iopl", "vm86", "vm86old", "nfsservctl", "uselib", "ustat", "sysfs", "_sysctl", "syslog",
        "io_uring_setup", "io_uring_enter", "io_uring_register",
    ]

    /// CLONE_NEWNS | CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNET.
    public static let namespaceCloneFlags: UInt64 = 0x7E02_0000

    /// This profile with `refusedSyscalls` refused, `clone` allowed only without namespace flags, and `clone3` ENOSYS.
    /// Every earlier rule naming one of these calls loses that name, so no rule can allow what these refuse.
    public func hardened() -> SeccompProfile {
        let taken = Set(Self.refusedSyscalls + ["clone", "clone3"])
        var rules: [Rule] = syscalls.compactMap { rule in
            var rule = rule
            rule.names.removeAll { taken.contains($0) }
            return rule.names.isEmpty ? nil : rule
        }
        rules.append(Rule(names: Self.refusedSyscalls, action: "SCMP_ACT_ERRNO",
                          errnoRet: UInt32(EPERM), args: nil))
        // MASKED_EQ: allowed when (flags & value) == valueTwo, i.e. no namespace flag is set.
        rules.append(Rule(names: ["clone"], action: "SCMP_ACT_ALLOW", errnoRet: nil,
                          args: [Argument(index: 0, value: Self.namespaceCloneFlags, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ")]))
        rules.append(Rule(names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: UInt32(ENOSYS), args: nil))
        return SeccompProfile(defaultAction: defaultAction, defaultErrnoRet: defaultErrnoRet, architectures: architectures, syscalls: rules)
    }
}
