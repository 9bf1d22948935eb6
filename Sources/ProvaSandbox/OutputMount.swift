import Foundation
import ProvaCore

/// A host tmpfs of fixed size that is bound at /output.
///
/// A tmpfs mounted only inside the container would vanish with it; this one lives on the host
/// so that its files can be collected after the program exits. Its pages are charged to the
/// container's memory cgroup because the container writes them.
struct OutputMount: Sendable {
    let path: String
    let sizeBytes: Int64

    /// - Parameter owner: the host uid (and gid) the program runs as, which must be able to write here.
    static func mount(at path: String, sizeBytes: Int64, owner: UInt32) throws -> OutputMount {
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let inodes = min(1_000_000, max(1024, sizeBytes / 1024))
        let options = "size=\(sizeBytes),nr_inodes=\(inodes),mode=0755,uid=\(owner),gid=\(owner)"
        let flags = UInt(MS_NOSUID) | UInt(MS_NODEV)
        guard Glibc.mount("tmpfs", path, "tmpfs", flags, options) == 0 else {
            let code = errno
            throw SandboxError(
                code: .mountFailed,
                message: "could not mount the /output tmpfs at \(path); the worker must run as root",
                underlying: POSIXErrorCode(rawValue: code).map { POSIXError($0) })
        }
        return OutputMount(path: path, sizeBytes: sizeBytes)
    }

    /// True when the file system has no room left (or no inodes), i.e. the program hit the limit.
    func isFull() -> Bool {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return false }
        return info.f_bavail == 0 || info.f_favail == 0
    }

    /// Detaches the mount; safe to call when it is already gone.
    func unmount() {
        _ = umount2(path, Int32(MNT_DETACH))
    }
}
