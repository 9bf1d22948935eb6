import Foundation
import Synchronization

/// Sends `runc kill` / `runc delete` to one container.
struct ContainerControl: Sendable {
    let runc: String
    let stateRoot: String
    let id: String

    /// Sends a signal to the container's init process; false when runc refused (e.g. not started yet).
    @discardableResult
    func signal(_ name: String) async -> Bool {
        let outcome = try? await ChildProcess.run(runc, ["--root", stateRoot, "kill", id, name], logLimit: 4096)
        return outcome?.status == 0
    }

    /// Removes a container whose init has exited (`runc run --keep` returned) without starting runc again: what
    /// `runc delete` does for a stopped container with no hooks — remove its cgroup directories and its state
    /// directory. Starting the Go runtime once more cost more than the rest of the run's overhead together. When a
    /// cgroup still holds a process (rmdir answers EBUSY), or anything else is amiss, `runc delete -f` does it the slow
    /// way, killing what is left.
    func deleteStopped(layout: CgroupLayout, cgroupsPath: String, cgroupRoot: String = "/sys/fs/cgroup") async {
        var directories: [String] = []
        switch layout {
        case .v1:
            let controllers = (try? FileManager.default.contentsOfDirectory(atPath: cgroupRoot)) ?? []
            directories = controllers.map { cgroupRoot + "/" + $0 + cgroupsPath }
        case .v2:
            directories = [cgroupRoot + cgroupsPath]
        }
        var clean = true
        for directory in directories where FileManager.default.fileExists(atPath: directory) {
            if rmdir(directory) != 0 && errno != ENOENT { clean = false }
        }
        guard clean, (try? FileManager.default.removeItem(atPath: stateRoot + "/" + id)) != nil else {
            await delete()
            return
        }
    }

    /// Kills whatever is left and removes the container and its cgroup.
    func delete() async {
        _ = try? await ChildProcess.run(runc, ["--root", stateRoot, "delete", "-f", id], logLimit: 4096)
    }

    /// Enforces the wall-clock limit: SIGTERM at the limit, SIGKILL after the grace period, repeated
    /// until the task is cancelled (which the caller does once the program has exited).
    /// Returns true when the limit was reached.
    func watchdog(limitSeconds: Int64, graceSeconds: Int64) -> Task<Bool, Never> {
        Task {
            do {
                try await Task.sleep(for: .seconds(limitSeconds))
            } catch {
                return false
            }
            await signal("TERM")
            if graceSeconds > 0 {
                do { try await Task.sleep(for: .seconds(graceSeconds)) } catch { return true }
            }
            // Retried: the kill may race with container start-up.
            while !Task.isCancelled {
                await signal("KILL")
                try? await Task.sleep(for: .milliseconds(500))
            }
            return true
        }
    }

    /// Used when the caller's task is cancelled: SIGKILL, retried until `exited` is set.
    func killUntilExited(_ exited: ExitFlag) -> Task<Void, Never> {
        Task {
            while !exited.isSet {
                await signal("KILL")
                if exited.isSet { break }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
    }
}

/// Set once the container's runc process has exited.
final class ExitFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}
