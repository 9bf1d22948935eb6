import ProvaCore

/// The prover pass (DESIGN §5): every waiting slot, first come first served by creation order, is drawn a worker with
/// room from the candidate index; a task none can take now stays waiting (its draw counter unchanged) until one can.
/// A slot that began waiting in this block is drawn in the next (`DrawSeeds.swift`).
extension Ledger {
    mutating func assignProvers() {
        let parameters = state.parameters
        /// Shapes for which nobody had room in this pass (capacity only shrinks during it): a task that asks at least as
        /// much and excludes nobody is skipped without a draw, as the draw would find no one.
        var noRoom: [Resources] = []
        var tierRoom: NoRoomCache? = NoRoomCache()
        for (sequence, id) in WorkIndex.inOrder(work.waiting) {
            guard var task = state.tasks[id], task.slots.contains(where: { $0.state == .waiting }) else {
                work.waiting.drop(sequence, id)
                continue
            }
            let unconstrained = task.proverSet == nil && task.targetWorker == nil && selectionPolicy == nil
            if unconstrained, noRoom.contains(where: { $0.fits(in: task.resources) }) { continue }
            var changed = false
            for index in task.slots.indices where task.slots[index].state == .waiting
                && (task.targetWorker != nil || mayDraw(causedAt: task.slots[index].waitingSinceHeight)) {
                let triedNobody = task.provers.isEmpty
                guard let worker = drawProver(for: &task, slot: index, noRoom: &tierRoom) else {
                    if unconstrained && triedNobody { noRoom.append(task.resources) }
                    break
                }
                changed = true
                let number = task.attempts.count + 1
                let deadline = context.now + parameters.acceptWindowMilliseconds
                task.attempts.append(Attempt(number: number, slot: index, worker: worker, state: .assigned, assignedAtMilliseconds: context.now,
                                             acceptDeadlineMilliseconds: deadline, acceptedAtMilliseconds: nil, runDeadlineMilliseconds: nil,
                                             result: nil, deliveredAtMilliseconds: nil, verifiers: [], verifiersNeeded: Int(task.verifierCount),
                                             verifierReplacements: 0, decidedAtMilliseconds: nil, failure: nil))
                if !task.provers.contains(worker) { task.provers.append(worker) }
                task.slots[index].state = .assigned
                task.slots[index].currentAttempt = number
                reserve(worker, task.resources)
                emit(.taskAssigned, task: task.id, attempt: number, worker: worker, account: task.requester, program: task.program, deadline: deadline)
            }
            if changed {
                updateTaskState(&task)
                put(task)
            }
            if !task.slots.contains(where: { $0.state == .waiting }) { work.waiting.drop(sequence, id) }
        }
    }
}
