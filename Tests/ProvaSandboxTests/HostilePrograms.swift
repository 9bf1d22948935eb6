import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

/// Each hostile program must be contained, and the result must say what happened.
@Suite("RuncRuntime: hostile programs", .tags(.integration))
struct HostileProgramTests {
    @Test("the process has no capabilities, no new privileges and a seccomp filter")
    func hardenedProcess() async throws {
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            """
            grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs|Seccomp):' /proc/self/status | tr -s '\\t ' ' '
            mount -t tmpfs none /tmp 2>/dev/null && echo MOUNTED || echo MOUNT_DENIED
            """))
        #expect(result.exitCode == 0)
        #expect(result.stdoutText == """
            CapInh: 0000000000000000
            CapPrm: 0000000000000000
            CapEff: 0000000000000000
            CapBnd: 0000000000000000
            CapAmb: 0000000000000000
            NoNewPrivs: 1
            Seccomp: 2
            MOUNT_DENIED

            """)
    }

    @Test("no network: only lo, a TEST-NET address is unreachable, a host listener on 127.0.0.1 is invisible")
    func noNetwork() async throws {
        let listener = try LoopbackListener()
        defer { listener.close() }
        #expect(listener.hostCanConnect(), "sanity: the listener is reachable from the host")
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            """
            echo "ifaces=$(tail -n +3 /proc/net/dev | cut -d: -f1 | tr -d ' ' | tr '\\n' ' ')"
            wget -q -T 2 -O /dev/null http://192.0.2.1/ && echo EXTERNAL_OK || echo EXTERNAL_FAILED
            nc -w 2 127.0.0.1 \(listener.port) </dev/null && echo LOOPBACK_OK || echo LOOPBACK_FAILED
            """))
        #expect(result.stdoutText == "ifaces=lo \nEXTERNAL_FAILED\nLOOPBACK_FAILED\n", "stderr: \(result.stderrText)")
    }

    @Test("fork bomb: the host survives and the run ends at the time limit")
    func forkBomb() async throws {
        let limits = Fixtures.limits(pids: 16, time: 2, grace: 0)
        // init starts the bomb once, then spins on a built-in so that only the time limit ends it.
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "bomb() { bomb | bomb & }; bomb; while :; do :; done", limits: limits))
        #expect(result.timedOut)
        #expect(result.exitCode == 137)
    }

    @Test("pids limit: at most `pids` processes can exist at once")
    func pidsLimit() async throws {
        let limits = Fixtures.limits(pids: 16)
        // A child shell forks sleepers until it dies of a failed fork; the sleepers stay. Counting
        // then uses only shell built-ins, since at the limit nothing more can be forked.
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            """
            sh -c 'while true; do sleep 30 & done' 2>/dev/null
            set -- /proc/[0-9]*; echo $#
            """, limits: limits))
        let count = try #require(Int(result.stdoutText.trimmed), "stderr: \(result.stderrText)")
        #expect(count <= 16 && count >= 10, "saw \(count) processes")
        #expect(!result.timedOut)
    }

    @Test("allocating past the memory limit is reported as OOM-killed")
    func memoryLimit() async throws {
        let limits = Fixtures.limits(memory: 32 << 20)
        // busybox tail keeps a line without newlines in memory: 200 MB of zeros is one line.
        let result = try await Fixtures.runtime().run(Fixtures.spec("head -c 200000000 /dev/zero | tail", limits: limits))
        #expect(result.oomKilled)
        #expect(result.exitCode == 137)
        #expect(result.peakMemoryBytes > 0 && result.peakMemoryBytes <= 32 << 20)
        #expect(!result.timedOut)
    }

    @Test("filling /output stops at its size and is reported")
    func fillOutput() async throws {
        let limits = Fixtures.limits(output: 1 << 20)
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "dd if=/dev/zero of=/output/big bs=65536 count=100; echo dd=$?", limits: limits))
        #expect(result.outputLimitExceeded)
        #expect(result.stdoutText == "dd=1\n")
        #expect(result.stderrText.contains("No space left on device"))
        let big = try #require(result.outputs.first)
        #expect(big.path == "big" && big.size <= 1 << 20 && big.size > 0)
    }

    @Test("filling /tmp stops at its size")
    func fillTmp() async throws {
        let limits = Fixtures.limits(tmp: 1 << 20)
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "dd if=/dev/zero of=/tmp/big bs=65536 count=100 2>/dev/null; wc -c < /tmp/big", limits: limits))
        let size = try #require(Int64(result.stdoutText.trimmed))
        #expect(size <= 1 << 20 && size > 0)
        #expect(!result.outputLimitExceeded)
    }

    @Test("the root filesystem and /input are read-only")
    func readOnlyRoot() async throws {
        let spec = try Fixtures.spec(
            """
            echo x > /evil 2>/dev/null && echo ROOT_WRITTEN || echo ROOT_READONLY
            rm /bin/busybox 2>/dev/null && echo ROOT_DELETED || echo ROOT_KEPT
            echo x > /input/data 2>/dev/null && echo INPUT_WRITTEN || echo INPUT_READONLY
            """, inputFiles: ["data": "original"])
        let result = try await Fixtures.runtime().run(spec)
        #expect(result.stdoutText == "ROOT_READONLY\nROOT_KEPT\nINPUT_READONLY\n")
        #expect(!FileManager.default.fileExists(atPath: spec.rootfs.path + "/evil"))
        #expect(try String(contentsOf: spec.inputDirectory.appendingPathComponent("data"), encoding: .utf8) == "original")
    }

    @Test("host files are not visible")
    func hostFilesHidden() async throws {
        let secretDirectory = try Fixtures.temporaryDirectory("secret")
        let secret = secretDirectory.appendingPathComponent("secret.txt")
        try Data("host-secret".utf8).write(to: secret)
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            """
            cat \(secret.path) 2>/dev/null || echo NOT_VISIBLE
            cat /etc/image-marker
            ls /
            """))
        #expect(!result.stdoutText.contains("host-secret"))
        #expect(result.stdoutText.hasPrefix("NOT_VISIBLE\nprova-test\n"))
        let entries = Set(result.stdoutText.split(separator: "\n").dropFirst(2).map(String.init))
        #expect(entries == ["bin", "dev", "etc", "input", "output", "proc", "proof", "sys", "tmp"])
    }

    @Test("sleeping past the time limit: SIGTERM ignored by init, SIGKILL after the grace period")
    func timeLimitKill() async throws {
        let limits = Fixtures.limits(time: 1, grace: 1)
        let result = try await Fixtures.runtime().run(Fixtures.spec("sleep 60", limits: limits))
        #expect(result.timedOut)
        #expect(result.exitCode == 137)
    }

    @Test("sleeping past the time limit: a program that handles SIGTERM exits on its own")
    func timeLimitTerm() async throws {
        let limits = Fixtures.limits(time: 1, grace: 30)
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "trap 'echo got-term; exit 42' TERM; sleep 60 & wait", limits: limits))
        #expect(result.timedOut)
        #expect(result.exitCode == 42)
        #expect(result.stdoutText == "got-term\n")
    }

    @Test("a flood of stdout is truncated but hashed in full")
    func stdoutFlood() async throws {
        let limits = Fixtures.limits(log: 1000)
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "dd if=/dev/zero bs=1000000 count=5 2>/dev/null; echo done >&2", limits: limits))
        #expect(result.exitCode == 0)
        #expect(result.stdout == Data(count: 1000))
        #expect(result.stdoutTruncated)
        #expect(result.stdoutSHA256 == SHA256Hex.of(Data(count: 5_000_000)))
        #expect(result.stderrText == "done\n" && !result.stderrTruncated)
    }
}

/// A TCP listener on the host's 127.0.0.1, to prove the container cannot reach host services.
final class LoopbackListener: Sendable {
    let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw FixtureError("cannot listen on 127.0.0.1") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        self.fd = fd
        self.port = UInt16(bigEndian: address.sin_port)
    }

    func hostCanConnect() -> Bool {
        let client = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { Glibc.close(client) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = port.bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(client, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
    }

    func close() { Glibc.close(fd) }
}
