import ProvaCore
import ProvaSandbox

/// What this worker is running right now, by job: the resources it holds and the GPUs handed to it.
///
/// The ledger already never assigns more than the declared capacity; this local view catches the cases it cannot
/// see (a restart that left runs behind, a declared capacity changed under it) and picks concrete GPU devices.
actor LocalCapacity {
    let capacity: Resources
    let devices: [GPUDevice]
    private var held: [JobKey: (resources: Resources, gpus: [GPUDevice])] = [:]

    init(capacity: Resources, devices: [GPUDevice]) {
        self.capacity = capacity
        self.devices = devices
    }

    var reserved: Resources { held.values.reduce(Resources.zero) { $0 + $1.resources } }

    /// Holds `resources` for `key`; false when they do not fit next to what runs already (unless `force`).
    /// Returns the GPUs the job may use.
    func reserve(_ key: JobKey, _ resources: Resources, force: Bool = false) -> [GPUDevice]? {
        if let existing = held[key] { return existing.gpus }
        let fits = (reserved + resources).fits(in: capacity)
        guard fits || force else { return nil }
        let used = Set(held.values.flatMap(\.gpus))
        let gpus = Array(devices.filter { !used.contains($0) }.prefix(Int(max(resources.gpus, 0))))
        guard gpus.count == Int(max(resources.gpus, 0)) else { return nil }
        held[key] = (resources, gpus)
        return gpus
    }

    func release(_ key: JobKey) {
        held[key] = nil
    }

    /// Whether `resources` would fit now, without holding them.
    func wouldFit(_ resources: Resources) -> Bool {
        (reserved + resources).fits(in: capacity) && Int(resources.gpus) <= devices.count - Set(held.values.flatMap(\.gpus)).count
    }
}

/// Programs never change once deployed (the ID is the hash of the deploy body), so they are fetched once.
actor ProgramCache {
    private var programs: [ProgramID: Program] = [:]

    func program(_ id: ProgramID, fetch: @Sendable () async throws -> Program) async throws -> Program {
        if let known = programs[id] { return known }
        let program = try await fetch()
        programs[id] = program
        return program
    }
}
