import Foundation

#if canImport(Glibc)
import Glibc
import HTTPTypes
import ProvaCore
#endif

/// An exclusive `flock` on `DIR/LOCK`, released when the process exits (even when killed).
final class DataDirectoryLock: Sendable {
    let descriptor: Int32

    init(directory: URL) throws {
        let path = directory.appendingPathComponent("LOCK").path
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw NodeError(.internalServerError, .lockFailed, "cannot create \(path); check the data directory is writable")
        }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw NodeError(.conflict, .dataDirectoryInUse, "another node is running on \(directory.path); stop it first or use another --data-dir")
        }
        self.descriptor = descriptor
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
