import ProvaCore

/// Random selection among eligible workers (DESIGN §5, docs/PROTOCOL.md "Selection"): no stake weighting, no auction.
/// Every draw — a prover, a fallback prover, a verifier, in a prover set or not — samples the one `CandidateIndex`
/// by the one `Placement` procedure; only what is excluded differs.
extension Ledger {
    /// Rebuilds the candidate index and the capacity summaries after a worker's status, capacity or prover sets changed.
    mutating func rebuildCandidates() {
        state.candidates = CandidateIndex(workers: state.workers)
        state.candidatesGeneration += 1
        let active = state.workers.values.filter { $0.status == .active }
        var frontier: [Resources] = []
        for capacity in Set(active.map(\.capacity)) where !active.contains(where: { $0.capacity != capacity && capacity.fits(in: $0.capacity) }) {
            frontier.append(capacity)
        }
        state.capacityFrontier = frontier.sorted { ($0.cpuMillicores, $0.memoryBytes, $0.gpus) < ($1.cpuMillicores, $1.memoryBytes, $1.gpus) }
        state.fitCounts = [:]
        state.jailedOrExiting = state.workers.values.filter { $0.status == .jailed || $0.status == .exiting }.map(\.address).sorted()
        state.candidatesAreStale = false
    }

    /// The positions of the candidates a prover set admits (joined, and listed or matching its labels); nil without a set.
    func admittedPositions(by set: ProverSet?) -> Set<Int>? {
        guard let set else { return nil }
        return Set(set.joined.compactMap { address in
            guard let worker = state.workers[address], set.admits(worker) else { return nil }
            return state.candidates.position(of: address)
        })
    }

    /// A worker with room for `resources` now, drawn by the ledger's placement: never one of `excluded`, and only one
    /// `set` admits when there is a set. `noRoom` (see `NoRoomCache`) is used only for draws that exclude nobody.
    func drawWorker(for resources: Resources, excluding excluded: [Address], in set: ProverSet?,
                    random: inout SeededGenerator, noRoom: inout NoRoomCache?) -> Address? {
        let index = state.candidates
        if excluded.isEmpty && set == nil {
            // The common case (a first draw, no prover set): nothing to filter, and the pass's no-room cache applies.
            return index.draw(resources, placement: placement, random: &random, noRoom: &noRoom) { _ in true }.map { index.addresses[$0] }
        }
        let admitted = admittedPositions(by: set)
        let excludedPositions = Set(excluded.compactMap { index.position(of: $0) })
        var noCache: NoRoomCache?
        let drawn = index.draw(resources, placement: placement, random: &random, noRoom: &noCache) { position in
            !excludedPositions.contains(position) && (admitted?.contains(position) ?? true)
        }
        return drawn.map { index.addresses[$0] }
    }

    /// The prover for the next attempt of `task`, or nil when no eligible worker has room now. A capacity test goes to
    /// its target worker (no draw). The draw counter only moves on success, so a task that waits changes nothing until
    /// it is assigned.
    mutating func drawProver(for task: inout TaskRecord, slot: Int, noRoom: inout NoRoomCache?) -> Address? {
        if let target = task.targetWorker {
            guard let worker = state.workers[target], worker.status != .exited, worker.status != .exiting,
                  task.resources.fits(in: worker.free) else { return nil }
            task.draws += 1
            return target
        }
        let set = task.proverSet.flatMap { state.proverSets[$0] }
        var random = drawRandom(task: task.id, slot: slot, counter: task.draws + 1, role: "prover")
        let excluded = excludedFromProving(task)
        let chosen: Address?
        if let policy = selectionPolicy {
            chosen = policy.chooseProver(among: eligibleWorkers(for: task.resources, excluding: excluded, in: set), for: task, random: &random)
        } else {
            chosen = drawWorker(for: task.resources, excluding: excluded, in: set, random: &random, noRoom: &noRoom)
        }
        guard let chosen else { return nil }
        task.draws += 1
        return chosen
    }

    /// Who may never prove `task`: its earlier provers, every worker drawn to verify any of its attempts (one that voted
    /// a proof invalid must not profit from the fallback it caused), and the requester itself.
    func excludedFromProving(_ task: TaskRecord) -> [Address] {
        var excluded = task.provers
        for attempt in task.attempts { for duty in attempt.verifiers { excluded.append(duty.worker) } }
        if state.workers[task.requester] != nil { excluded.append(task.requester) }
        return excluded
    }

    /// The candidates with room for `resources`, in address order: what a simulator comparison policy chooses among.
    func eligibleWorkers(for resources: Resources, excluding excluded: [Address], in set: ProverSet?) -> [Worker] {
        let index = state.candidates
        let admitted = admittedPositions(by: set)
        return index.addresses.indices.compactMap { position in
            guard resources.fits(in: index.free[position]), admitted?.contains(position) ?? true,
                  !excluded.contains(index.addresses[position]) else { return nil }
            return state.workers[index.addresses[position]]
        }
    }

    /// How many workers could ever verify `task` (declared capacity, not its provers): caps the verifiers needed.
    mutating func possibleVerifiers(for task: TaskRecord) -> Int {
        let resources = verifierResources(task)
        let set = task.proverSet.flatMap { state.proverSets[$0] }
        let index = state.candidates
        let admitted = admittedPositions(by: set)
        func counts(_ position: Int) -> Bool {
            resources.fits(in: index.capacity[position]) && (admitted?.contains(position) ?? true)
        }
        let total: Int
        if set == nil, let cached = state.fitCounts[resources] {
            total = cached
        } else {
            total = index.addresses.indices.reduce(0) { $0 + (counts($1) ? 1 : 0) }
            if set == nil { state.fitCounts[resources] = total }
        }
        // Only provers (and a requester that is a worker) that were counted — active, fitting, admitted — are
        // subtracted: a prover on probation never was.
        var neverVerifiers = task.provers
        if !neverVerifiers.contains(task.requester) { neverVerifiers.append(task.requester) }
        let countedProvers = neverVerifiers.filter { index.position(of: $0).map(counts) ?? false }.count
        return max(total - countedProvers, 0)
    }

    /// Draws up to `count` verifiers for an attempt: never a prover of the task, never its requester, never twice for
    /// the same attempt.
    mutating func drawVerifiers(for task: inout TaskRecord, attempt number: Int, count: Int) -> [Address] {
        let set = task.proverSet.flatMap { state.proverSets[$0] }
        var excluded = task.provers
        if state.workers[task.requester] != nil { excluded.append(task.requester) }
        for duty in task.attempts[number - 1].verifiers { excluded.append(duty.worker) }
        var random = drawRandom(task: task.id, slot: task.attempts[number - 1].slot, counter: task.draws + 1, role: "verifier")
        let resources = verifierResources(task)
        var chosen: [Address] = []
        var noCache: NoRoomCache?
        for _ in 0..<count {
            guard let address = drawWorker(for: resources, excluding: excluded, in: set, random: &random, noRoom: &noCache) else { break }
            chosen.append(address)
            excluded.append(address)
        }
        if !chosen.isEmpty { task.draws += 1 }
        return chosen
    }
}
