import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

/// Less privilege (DESIGN.md §8): no new namespaces, no mount, no keyrings, no BPF, and never root on the host.
extension HostileProgramTests {
    @Test("unshare, clone and clone3 with namespace flags, mount, keyctl, bpf, userfaultfd, perf_event_open, setns, io_uring: each refused and reported")
    func refusedSystemCalls() async throws {
        let probe = try PrivilegeProbe.binary()
        let spec = try Fixtures.spec("/input/probe")
        try FileManager.default.copyItem(at: probe, to: spec.inputDirectory.appendingPathComponent("probe"))
        let result = try await Fixtures.runtime().run(spec)
        #expect(result.exitCode == 0, "stderr: \(result.stderrText)")
        let lines = result.stdoutText.split(separator: "\n").map(String.init)
        let expected = ["unshare(CLONE_NEWUSER)", "unshare(CLONE_NEWNS)", "clone(CLONE_NEWUSER)", "clone(CLONE_NEWNET)", "clone3", "mount",
                        "keyctl", "add_key", "bpf", "userfaultfd", "perf_event_open", "setns", "io_uring_setup"]
        #expect(lines.count == expected.count + 1, "output: \(result.stdoutText)")
        for (line, call) in zip(lines, expected) {
            #expect(line.hasPrefix(call + " refused "), "\(line)")
            // The filter's own answers: EPERM for refused calls, ENOSYS for clone3 (libc then falls back to clone) and
            // for clone with namespace flags (the profile's default answer to what no rule allows).
            let errno = call.hasPrefix("clone") ? "ENOSYS" : "EPERM"
            #expect(line == call + " refused " + errno)
        }
        // Plain fork (clone without namespace flags) still works.
        #expect(lines.last == "fork works")
    }

    @Test("busybox unshare -U and mount are refused inside the sandbox")
    func unshareCommand() async throws {
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            """
            unshare -U true 2>/dev/null && echo USERNS_CREATED || echo USERNS_REFUSED
            unshare -U -r -m true 2>/dev/null && echo MOUNTNS_CREATED || echo MOUNTNS_REFUSED
            mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED || echo MOUNT_REFUSED
            """))
        #expect(result.stdoutText == "USERNS_REFUSED\nMOUNTNS_REFUSED\nMOUNT_REFUSED\n")
    }

    @Test("the program is never root on the host: its uid maps to an unprivileged host uid, host-root-only files stay closed")
    func notRootOnTheHost() async throws {
        let runtime = try Fixtures.runtime()
        let spec = try Fixtures.spec(
            """
            cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //'
            cat /input/closed/secret 2>/dev/null || echo SECRET_CLOSED
            echo written > /output/owned; echo scratch > /tmp/scratch && echo TMP_WRITABLE
            """)
        let closed = spec.inputDirectory.appendingPathComponent("closed")
        try FileManager.default.createDirectory(at: closed, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try Data("root only".utf8).write(to: closed.appendingPathComponent("secret"))
        let result = try await runtime.run(spec)
        let hostUID = runtime.identity.hostUID
        #expect(hostUID != 0)
        switch runtime.identity {
        case .userNamespace(let hostID, let size):
            #expect(result.stdoutText.hasPrefix("0 \(hostID) \(size)\n"), "\(result.stdoutText)")
        case .unprivilegedUser:
            #expect(result.stdoutText.hasPrefix("0 0 4294967295\n"), "\(result.stdoutText)")
        }
        #expect(result.stdoutText.hasSuffix("SECRET_CLOSED\nTMP_WRITABLE\n"), "\(result.stdoutText)")
        #expect(result.outputs.map(\.path) == ["owned"])
    }

    @Test("without a user namespace the program runs as the fixed non-root uid with writable /output and /tmp")
    func fixedUnprivilegedUser() async throws {
        let base = try Fixtures.runtime()
        let runtime = RuncRuntime(stateRoot: base.stateRoot, seccompProfile: base.seccompProfile,
                                  identity: .unprivilegedUser(uid: ProgramIdentity.defaultHostID, gid: ProgramIdentity.defaultHostID))
        let result = try await runtime.run(Fixtures.spec(
            "id -u; id -g; echo out > /output/o && echo OUTPUT_WRITABLE; echo t > /tmp/t && echo TMP_WRITABLE"))
        #expect(result.stdoutText == "\(ProgramIdentity.defaultHostID)\n\(ProgramIdentity.defaultHostID)\nOUTPUT_WRITABLE\nTMP_WRITABLE\n",
                "stderr: \(result.stderrText)")
    }

    @Test("a user namespace whose uid cannot reach the image is refused before runc, with what to change")
    func unreachableRootfs() async throws {
        let base = try Fixtures.runtime()
        let runtime = RuncRuntime(stateRoot: base.stateRoot, seccompProfile: base.seccompProfile,
                                  identity: .userNamespace(hostID: ProgramIdentity.defaultHostID, size: ProgramIdentity.defaultRangeSize))
        var spec = try Fixtures.spec("true")
        let closed = try Fixtures.temporaryDirectory("closed")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: closed.path)
        let rootfs = closed.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        spec.rootfs = rootfs
        let error = await #expect(throws: SandboxError.self) { try await runtime.run(spec) }
        #expect(error?.code == .sandboxPathUnreachable)
        #expect(error?.message.contains("chmod o+x") == true)
    }
}

/// A static C program that tries each refused call once and prints how it was answered. Built with the host's gcc,
/// because busybox has no applet for clone3, keyctl, bpf or userfaultfd.
enum PrivilegeProbe {
    static let built: Result<URL, any Error> = Result {
        guard let gcc = Executable.locate("gcc") else {
            throw FixtureError("gcc is not installed; run `apt-get install -y gcc libc6-dev`")
        }
        let directory = try Fixtures.temporaryDirectory("probe")
        let source = directory.appendingPathComponent("probe.c")
        try Data(Self.source.utf8).write(to: source)
        let binary = directory.appendingPathComponent("probe")
        try Fixtures.runTool(gcc, ["-static", "-O1", "-o", binary.path, source.path])
        return binary
    }

    static func binary() throws -> URL { try built.get() }

    static let source = #"""
#define _GNU_SOURCE
#include <errno.h>
#include <linux/keyctl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void report(const char *name, long rc) {
    if (rc == -1) printf("%s refused %s\n", name, strerrorname_np(errno));
    else printf("%s ALLOWED\n", name);
}

int main(void) {
    report("unshare(CLONE_NEWUSER)", unshare(CLONE_NEWUSER));
    report("unshare(CLONE_NEWNS)", unshare(CLONE_NEWNS));
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, 0, 0);
    report("clone(CLONE_NEWUSER)", pid);
    pid = syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, 0, 0);
    report("clone(CLONE_NEWNET)", pid);
    struct { unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } args;
    memset(&args, 0, sizeof args);
    args.flags = CLONE_NEWUSER; args.exit_signal = SIGCHLD;
    pid = syscall(SYS_clone3, &args, sizeof args);
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, 0, 0);
    report("clone3", pid);
    report("mount", mount("none", "/tmp", "tmpfs", 0, 0));
    report("keyctl", syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, "prova"));
    report("add_key", syscall(SYS_add_key, "user", "prova", "x", 1, KEY_SPEC_PROCESS_KEYRING));
    report("bpf", syscall(SYS_bpf, 0, 0, 0));
    report("userfaultfd", syscall(SYS_userfaultfd, 0));
    report("perf_event_open", syscall(SYS_perf_event_open, 0, 0, -1, -1, 0));
    report("setns", syscall(SYS_setns, 0, 0));
    report("io_uring_setup", syscall(SYS_io_uring_setup, 1, 0));
    pid = fork();
    if (pid == 0) _exit(0);
    if (pid > 0) waitpid(pid, 0, 0);
    printf("fork %s\n", pid > 0 ? "works" : "FAILED");
    return 0;
}
"""#
}
