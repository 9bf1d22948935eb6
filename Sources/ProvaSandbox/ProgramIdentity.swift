public import Foundation
import ProvaCore

/// Who a program is while it runs: never root on the host (DESIGN.md §8).
///
/// With a user namespace, container root is an unprivileged host uid: files the program leaves belong to that uid, and
/// the kernel checks what it does against that uid everywhere outside its namespace. Without one (a kernel or a parent
/// container that does not allow them), the program runs as that uid directly. Either way `/output` is owned by it and
/// `/tmp` is world-writable, and the image's files (owned by host root) are what any other user may read.
public enum ProgramIdentity: Sendable, Equatable, CustomStringConvertible {
    /// Container uids and gids 0…size-1 are host `hostID`…`hostID`+size-1; the program runs as container root.
    case userNamespace(hostID: UInt32, size: UInt32)
    /// No user namespace: the program runs as `uid`:`gid`, in the container and on the host.
    case unprivilegedUser(uid: UInt32, gid: UInt32)

    /// A host uid no distribution hands out to people or daemons (they stop at 60,000 or below).
    public static let defaultHostID: UInt32 = 100_000
    /// The 16-bit range images' own uids use.
    public static let defaultRangeSize: UInt32 = 65_536

    /// The host uid (and gid) that owns what the program writes.
    public var hostUID: UInt32 {
        switch self {
        case .userNamespace(let hostID, _): hostID
        case .unprivilegedUser(let uid, _): uid
        }
    }

    public var description: String {
        switch self {
        case .userNamespace(let hostID, let size):
            "a user namespace mapping container root to host uid \(hostID) (\(size) ids)"
        case .unprivilegedUser(let uid, let gid):
            "uid \(uid):\(gid) without a user namespace"
        }
    }

    /// A user namespace where this kernel lets this process make one and its uid can reach every directory in
    /// `reachable` (runc mounts from inside the namespace), else the same uid without one; the second value says why, for
    /// the operator's log.
    public static func detect(
        hostID: UInt32 = defaultHostID, reachable: [URL] = [], maxUserNamespaces: String = "/proc/sys/user/max_user_namespaces",
        uidMap: String = "/proc/self/uid_map"
    ) -> (identity: ProgramIdentity, reason: String) {
        let fallback = ProgramIdentity.unprivilegedUser(uid: hostID, gid: hostID)
        let limit = (try? String(contentsOfFile: maxUserNamespaces, encoding: .utf8)).flatMap { Int($0.trimmed) } ?? 0
        guard limit > 0 else {
            return (fallback, "\(maxUserNamespaces) is 0 or unreadable: this kernel makes no user namespaces")
        }
        // A process already inside a user namespace (a worker in a container) can map only the ids it was given.
        let map = ((try? String(contentsOfFile: uidMap, encoding: .utf8)) ?? "").split(whereSeparator: \.isWhitespace)
        guard map.count == 3, map[0] == "0", map[1] == "0", let count = UInt64(map[2]),
              count >= UInt64(hostID) + UInt64(defaultRangeSize)
        else {
            return (fallback, "this process runs in a user namespace of its own that cannot map host uid \(hostID)")
        }
        for directory in reachable {
            if let blocker = PathReach.blocker(directory.path, uid: hostID) {
                return (fallback, "host uid \(hostID) cannot reach \(directory.path): \(blocker) (give it `chmod o+x` to use a user namespace)")
            }
        }
        return (.userNamespace(hostID: hostID, size: defaultRangeSize), "this kernel allows user namespaces")
    }

    /// Throws when the program's uid could not reach `paths` from inside its user namespace: runc would fail with a bare
    /// "permission denied". Nothing to check without a user namespace (runc mounts as host root there).
    func requireReachable(_ paths: [String]) throws {
        guard case .userNamespace(let hostID, _) = self else { return }
        for path in paths {
            if let blocker = PathReach.blocker(path, uid: hostID) {
                throw SandboxError(
                    code: .sandboxPathUnreachable,
                    message: "programs run as host uid \(hostID) in a user namespace, which cannot reach \(path): \(blocker); "
                        + "give the directories on the way `chmod o+x`, or keep the worker's data directory outside such directories")
            }
        }
    }
}

/// Whether an unprivileged uid can traverse to a path: every directory on the way searchable by it.
enum PathReach {
    /// The first directory on the way to `path` that `uid` may not search, described; nil when there is none.
    static func blocker(_ path: String, uid: UInt32) -> String? {
        var current = ""
        for component in path.split(separator: "/") {
            current += "/" + component
            var info = stat()
            guard stat(current, &info) == 0 else { return nil }
            guard (info.st_mode & S_IFMT) == S_IFDIR else { continue }
            let mode = info.st_mode & 0o7777
            let searchable = info.st_uid == uid ? mode & 0o100 != 0 : mode & 0o001 != 0
            if !searchable { return "\(current) is mode \(String(mode, radix: 8)) owned by uid \(info.st_uid)" }
        }
        return nil
    }
}
