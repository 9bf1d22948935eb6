import Foundation
import ProvaTesting

/// A network namespace joined to this one by a veth pair (`ip netns`, `ip link`): a validator run inside it reaches
/// only the host-side address, and cutting the host side partitions it. Traffic stays between the two addresses.
final class NetworkNamespace: Sendable {
    let name: String
    let hostInterface: String
    let hostAddress: String
    let insideAddress: String

    /// Creates the namespace and the pair, addresses 10.211.N.1 (host) and 10.211.N.2 (inside).
    static func create() throws -> NetworkNamespace {
        let number = Int.random(in: 1...250)
        let namespace = NetworkNamespace(name: "prova-test-\(number)", hostInterface: "pvh\(number)", hostAddress: "10.211.\(number).1",
                                         insideAddress: "10.211.\(number).2")
        let inside = "pvn\(number)"
        try ip(["netns", "add", namespace.name])
        do {
            try ip(["link", "add", namespace.hostInterface, "type", "veth", "peer", "name", inside])
            try ip(["link", "set", inside, "netns", namespace.name])
            try ip(["addr", "add", "\(namespace.hostAddress)/30", "dev", namespace.hostInterface])
            try ip(["link", "set", namespace.hostInterface, "up"])
            try ip(["netns", "exec", namespace.name, "ip", "addr", "add", "\(namespace.insideAddress)/30", "dev", inside])
            try ip(["netns", "exec", namespace.name, "ip", "link", "set", inside, "up"])
            try ip(["netns", "exec", namespace.name, "ip", "link", "set", "lo", "up"])
        } catch {
            namespace.remove()
            throw error
        }
        return namespace
    }

    private init(name: String, hostInterface: String, hostAddress: String, insideAddress: String) {
        self.name = name; self.hostInterface = hostInterface; self.hostAddress = hostAddress; self.insideAddress = insideAddress
    }

    /// What a process is started through to run inside.
    var launcher: [String] { [Self.ipPath, "netns", "exec", name] }

    /// Cuts the link: nothing passes until `reconnect()`.
    func cut() throws { try Self.ip(["link", "set", hostInterface, "down"]) }
    func reconnect() throws { try Self.ip(["link", "set", hostInterface, "up"]) }

    func remove() {
        try? Self.ip(["link", "del", hostInterface])
        try? Self.ip(["netns", "del", name])
    }

    static var isAvailable: Bool { getuid() == 0 && FileManager.default.isExecutableFile(atPath: ipPath) }
    static let ipPath = "/usr/sbin/ip"

    private static func ip(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ipPath)
        process.arguments = arguments
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw ClusterTestFailure("ip \(arguments.joined(separator: " ")) failed: \(message)")
        }
    }
}
