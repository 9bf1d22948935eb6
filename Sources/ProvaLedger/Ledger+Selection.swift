import ProvaCore

/// Random selection among eligible workers (DESIGN §5, refined by `Placement`): no stake weighting, no auction.
extension Ledger {
    /// A worker that could run `resources` now: active, admitted by the prover set, with that much free capacity.
    func hasRoom(_ worker: Worker, for resources: Resources, in set: ProverSet?) -> Bool {
        worker.status == .active && resources.fits(in: worker.free) && (set?.admits(worker) ?? true)
    }

    /// Draws one worker uniformly among those in `tier` for which `eligible` holds. Rejection sampling over all
    /// drawable workers, then an exact scan of the tier: the result is uniform over the eligible workers either way,
    /// and usually cheap. Workers outside the tier are rejected by position, without looking their records up.
    func drawUniform(_ rng: inout SeededGenerator, excluding excluded: [Address], in tier: Placement.Tier = .any,
                     _ eligible: (Worker) -> Bool) -> Worker? {
        let candidates = state.selectable
        guard !candidates.isEmpty else { return nil }
        let members: [Int]? = switch tier {
        case .any: nil
        case .withGPUs: state.selectableWithGPUs
        case .withoutGPUs: state.selectableWithoutGPUs
        }
        let hasGPUs = { (index: Int) in state.selectableWithGPUs.binarySearchContains(index) }
        for _ in 0..<32 {
            let index = rng.below(candidates.count)
            if tier != .any, hasGPUs(index) != (tier == .withGPUs) { continue }
            let address = candidates[index]
            if !excluded.contains(address), let worker = state.workers[address], eligible(worker) { return worker }
        }
        let all = (members ?? Array(candidates.indices)).compactMap { index -> Worker? in
            let address = candidates[index]
            guard !excluded.contains(address), let worker = state.workers[address], eligible(worker) else { return nil }
            return worker
        }
        return all.isEmpty ? nil : all[rng.below(all.count)]
    }

    /// Draws a worker with room for `resources` by the ledger's `placement` (tier, then the tighter of two uniform candidates).
    func drawPlaced(_ rng: inout SeededGenerator, excluding excluded: [Address], for resources: Resources, in set: ProverSet?) -> Address? {
        placement.choose(for: resources, draw: { tier, first in
            drawUniform(&rng, excluding: first.map { excluded + [$0.address] } ?? excluded, in: tier) { worker in
                tier.admits(capacity: worker.capacity) && hasRoom(worker, for: resources, in: set)
            }
        }, room: { ($0.free, $0.capacity) })?.address
    }

    /// The prover for the next attempt of `task`, or nil when no eligible worker has room now.
    /// The draw counter only moves on success, so a task that waits changes nothing until it is assigned.
    mutating func drawProver(for task: inout TaskRecord) -> Address? {
        if let target = task.targetWorker {
            guard let worker = state.workers[target], worker.status != .exited, worker.status != .exiting,
                  task.resources.fits(in: worker.free) else { return nil }
            task.draws += 1
            return target
        }
        let set = task.proverSet.flatMap { state.proverSets[$0] }
        var rng = SeededGenerator(previousBlockHash: context.previousHash, task: task.id, attempt: task.draws + 1, role: "prover")
        let resources = task.resources
        let tried = task.provers
        let chosen: Address?
        if let policy = selectionPolicy {
            let eligible = state.selectable.compactMap { state.workers[$0] }.filter { !tried.contains($0.address) && hasRoom($0, for: resources, in: set) }
            chosen = eligible.isEmpty ? nil : policy.chooseProver(among: eligible, for: task, random: &rng)
        } else {
            chosen = drawPlaced(&rng, excluding: tried, for: resources, in: set)
        }
        guard let chosen else { return nil }
        task.draws += 1
        return chosen
    }

    /// `drawProver` for a task with no prover set, no target and no comparison policy, drawing from the pass's room index.
    func drawProver(for task: inout TaskRecord, from room: inout RoomIndex) -> Address? {
        var rng = SeededGenerator(previousBlockHash: context.previousHash, task: task.id, attempt: task.draws + 1, role: "prover")
        guard let index = room.draw(task.resources, excluding: task.provers, placement: placement, random: &rng) else { return nil }
        room.take(task.resources, at: index)
        task.draws += 1
        return room.addresses[index]
    }

    /// How many workers could ever verify `task` (declared capacity, not its provers): caps the verifiers needed.
    mutating func possibleVerifiers(for task: TaskRecord) -> Int {
        let resources = verifierResources(task)
        let set = task.proverSet.flatMap { state.proverSets[$0] }
        func counts(_ worker: Worker) -> Bool {
            worker.status == .active && resources.fits(in: worker.capacity) && (set?.admits(worker) ?? true)
        }
        let total: Int
        if set == nil, let cached = state.fitCounts[resources] {
            total = cached
        } else {
            total = state.selectable.reduce(0) { count, address in count + ((state.workers[address].map(counts) ?? false) ? 1 : 0) }
            if set == nil { state.fitCounts[resources] = total }
        }
        // Only provers that were counted (active, fitting, admitted) are subtracted: a prover on probation never was.
        let countedProvers = task.provers.filter { state.workers[$0].map(counts) ?? false }.count
        return max(total - countedProvers, 0)
    }

    /// Draws up to `count` verifiers for an attempt: never a prover of the task, never twice for the same attempt.
    mutating func drawVerifiers(for task: inout TaskRecord, attempt number: Int, count: Int) -> [Address] {
        let set = task.proverSet.flatMap { state.proverSets[$0] }
        var excluded = task.provers
        for duty in task.attempts[number - 1].verifiers { excluded.append(duty.worker) }
        var rng = SeededGenerator(previousBlockHash: context.previousHash, task: task.id, attempt: task.draws + 1, role: "verifier")
        let resources = verifierResources(task)
        var chosen: [Address] = []
        for _ in 0..<count {
            guard let address = drawPlaced(&rng, excluding: excluded, for: resources, in: set) else { break }
            chosen.append(address)
            excluded.append(address)
        }
        if !chosen.isEmpty { task.draws += 1 }
        return chosen
    }
}

extension Array where Element == Int {
    /// Whether this ascending array holds `value`.
    func binarySearchContains(_ value: Int) -> Bool {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low < count && self[low] == value
    }
}
