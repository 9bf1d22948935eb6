import ProvaCore

/// Capacity tests (DESIGN §7): a newly registered, released or randomly chosen idle worker proves a benchmark sized to
/// its declared capacity, verified by others, before it is (again) selected.
extension Ledger {
    /// A test workload sized to the worker's declared capacity, from the genesis-named benchmark program.
    mutating func startCapacityTest(for address: Address) {
        guard var worker = state.workers[address], worker.capacityTest == nil,
              let program = state.programs[state.capacityTestProgram] else { return }
        let id = IDs.capacityTest(worker: address, height: context.height)
        guard state.tasks[id] == nil else { return }
        let capacity = worker.capacity
        let environment = ["PROVA_TEST_CPU_MILLICORES=\(capacity.cpuMillicores)", "PROVA_TEST_MEMORY_BYTES=\(capacity.memoryBytes)",
                           "PROVA_TEST_GPUS=\(capacity.gpus)"]
        let task = newTask(id: id, kind: .capacityTest, requester: state.authority, program: program.id, inputs: [], resources: capacity,
                           timeLimitSeconds: state.parameters.capacityTestTimeLimitSeconds, environment: environment, redundancy: 1,
                           verifiers: 3, proverSet: nil, feePerSlot: 0, targetWorker: address)
        insert(task)
        worker.capacityTest = id
        put(worker)
        emit(.capacityTestAssigned, task: id, worker: address, program: program.id, detail: capacity.summary)
    }

    /// Idle active workers receive random capacity tests: hardware that was there at registration must still be there.
    mutating func scheduleIdleTests() {
        let rate = state.parameters.idleTestPartsPerMillion
        guard rate > 0 else { return }
        var rng = drawRandom(task: "idle-tests", slot: 0, counter: Int(truncatingIfNeeded: context.height), role: "idle-test")
        for address in state.candidates.addresses where rng.chance(partsPerMillion: rate) {
            guard let worker = state.workers[address], worker.reserved == .zero, worker.capacityTest == nil else { continue }
            startCapacityTest(for: address)
        }
    }

    mutating func passCapacityTest(_ task: TaskRecord) {
        guard let address = task.targetWorker, var worker = state.workers[address] else { return }
        worker.capacityTest = nil
        if worker.status == .probation || worker.status == .jailed {
            worker.status = .active
            worker.strikes = 0
            worker.jailedUntilMilliseconds = nil
            emit(.workerActivated, task: task.id, worker: address, detail: worker.capacity.summary)
        }
        put(worker)
    }

    mutating func failCapacityTest(_ task: inout TaskRecord, slot index: Int, reason: String) {
        task.slots[index].state = .failed
        task.slots[index].currentAttempt = nil
        task.failure = "capacity test failed: \(reason)"
        if let address = task.targetWorker, var worker = state.workers[address] {
            worker.capacityTest = nil
            put(worker)
            emit(.capacityTestFailed, task: task.id, worker: address, detail: reason)
            jail(address, reason: "failed its capacity test (\(reason))", until: context.now + state.parameters.jailMilliseconds)
        }
        updateTaskState(&task)
    }
}
