import Foundation
import ProvaSandbox
public import Testing

/// Whether real runc containers can run here: root (runc and each run's `/output` tmpfs need it) and a runc binary.
/// Tests that need containers take `.requiresContainers`; the daemon tests' bodies also run against `ScriptedRuntime`,
/// which needs neither.
public enum RuncAvailability {
    public static let isAvailable: Bool =
        getuid() == 0 && RuncRuntime(stateRoot: FileManager.default.temporaryDirectory, seccompProfile: nil).isAvailable
}

extension Trait where Self == ConditionTrait {
    /// Runs the test only where `RuncAvailability.isAvailable`; elsewhere it is reported as skipped, with the reason.
    public static var requiresContainers: Self {
        .enabled(if: RuncAvailability.isAvailable, "runs runc containers: needs root and runc")
    }
}
