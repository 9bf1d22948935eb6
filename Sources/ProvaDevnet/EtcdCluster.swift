public import Foundation
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// The etcd members a cluster devnet (and the cluster tests) run on this machine: Debian's `etcd` binary, one data
/// directory and log per member under `directory`, client URLs on `clientPort + i`, peer URLs on `peerPort + i`.
public final class EtcdCluster: @unchecked Sendable {
    public let directory: URL
    public let host: String
    public let clientPort: Int
    public let peerPort: Int
    public let members: Int
    /// Guarded by being used from one task at a time (the devnet's start and stop, a test's steps).
    private var processes: [Int: ManagedProcess] = [:]

    public init(directory: URL, host: String = "127.0.0.1", clientPort: Int, peerPort: Int, members: Int) {
        self.directory = directory; self.host = host; self.clientPort = clientPort; self.peerPort = peerPort; self.members = members
    }

    public var clientURLs: [String] { (0..<members).map { "http://\(host):\(clientPort + $0)" } }
    func name(_ member: Int) -> String { "member-\(member)" }

    /// The `etcd` executable on PATH (`scripts/setup.sh` installs Debian's `etcd-server`).
    static func executable() throws -> URL {
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/usr/local/bin").split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent("etcd")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw DevnetError("etcd is not installed; run scripts/setup.sh (it installs Debian's etcd-server)")
    }

    /// Starts every member and returns once the cluster has a leader.
    public func start() async throws {
        for member in 0..<members { try startMember(member) }
        try await waitForQuorum()
    }

    /// Crashes one member (SIGKILL).
    public func kill(member: Int) async {
        guard let process = processes.removeValue(forKey: member) else { return }
        process.send(SIGKILL)
        await process.waitForExit()
    }

    /// Starts a member that was killed again, on its data directory.
    public func restart(member: Int) throws { try startMember(member) }

    public func stop() async {
        for process in processes.values { await process.stop() }
        processes = [:]
    }

    private func startMember(_ member: Int) throws {
        guard processes[member] == nil else { return }
        let cluster = (0..<members).map { "\(name($0))=http://\(host):\(peerPort + $0)" }.joined(separator: ",")
        let data = directory.appendingPathComponent(name(member))
        let fresh = !FileManager.default.fileExists(atPath: data.path)
        let arguments = [
            "--name", name(member), "--data-dir", data.path,
            "--listen-client-urls", "http://\(host):\(clientPort + member)", "--advertise-client-urls", "http://\(host):\(clientPort + member)",
            "--listen-peer-urls", "http://\(host):\(peerPort + member)", "--initial-advertise-peer-urls", "http://\(host):\(peerPort + member)",
            "--initial-cluster", cluster, "--initial-cluster-token", "prova-\(directory.lastPathComponent)",
            "--initial-cluster-state", fresh ? "new" : "existing",
            // A block may be up to 16 MiB of JSON, base64-encoded by the gateway.
            "--max-request-bytes", "\(33_554_432)",
            // Short elections: a killed member's leadership moves within a second.
            "--heartbeat-interval", "100", "--election-timeout", "1000",
            "--logger", "zap", "--log-level", "warn",
        ]
        processes[member] = try ManagedProcess(name: "etcd \(name(member))", executable: try Self.executable(), arguments: arguments,
                                               logFile: directory.appendingPathComponent("\(name(member)).log"))
    }

    /// Waits (up to 30 s) until a member reports a healthy cluster through its `/health` endpoint.
    public func waitForQuorum() async throws {
        let client = HTTPClient.shared
        for attempt in 0..<150 {
            for url in clientURLs {
                let request = HTTPClientRequest(url: url + "/health")
                if let response = try? await client.execute(request, deadline: .now() + .seconds(1)), response.status == .ok,
                   let body = try? await response.body.collect(upTo: 4096), String(buffer: body).contains("\"true\"") {
                    return
                }
            }
            // A readiness poll of a child process, not a test's synchronisation: etcd offers no "ready" signal to wait on.
            try await Task.sleep(for: .milliseconds(attempt < 10 ? 50 : 200))
        }
        throw DevnetError("the etcd cluster did not elect a leader within 30 s; see the logs in \(directory.path)")
    }
}
