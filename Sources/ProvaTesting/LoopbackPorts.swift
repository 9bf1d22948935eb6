import Foundation

/// Free loopback ports for a cluster: `base … base+count-1` (validators), `+1000…` and `+2000…` (etcd).
public enum LoopbackPorts {
    /// A base port whose validator, etcd client and etcd peer ranges are all free now.
    public static func freeBase(count: Int) throws -> Int {
        for _ in 0..<50 {
            let base = Int.random(in: 20_000...40_000)
            let ports = (0..<count).flatMap { [base + $0, base + 1000 + $0, base + 2000 + $0] }
            if ports.allSatisfy(isFree) { return base }
        }
        throw NoFreePorts()
    }

    public static func isFree(_ port: Int) -> Bool {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return false }
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }
}


public struct NoFreePorts: Error, CustomStringConvertible {
    public var description: String { "no free range of loopback ports found" }
}
