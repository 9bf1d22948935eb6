import ProvaCore

/// A task's state, derived from its slots, and what happens once when it reaches a terminal state.
extension Ledger {
    /// Derives the task's state from its slots; on reaching a terminal state, records it once.
    mutating func updateTaskState(_ task: inout TaskRecord) {
        let previous = task.state
        let slots = task.slots.map(\.state)
        let next: TaskState
        if slots.contains(.verified) {
            next = .verified
        } else if slots.contains(.acceptedUnverified) {
            next = .acceptedUnverified
        } else if slots.allSatisfy(\.isTerminal) {
            if slots.contains(.failed) { next = .failed }
            else if slots.contains(.expired) { next = .expired }
            else { next = .cancelled }
        } else if slots.contains(.verifying) {
            next = .delivered
        } else if slots.contains(.running) {
            next = .running
        } else if slots.contains(.assigned) {
            next = .assigned
        } else {
            next = .pending
        }
        task.state = next
        guard next.isTerminal, !previous.isTerminal else { return }
        task.completedAtMilliseconds = context.now
        switch next {
        case .failed:
            changeTotals { $0.tasksFailed += 1 }
            if var program = state.programs[task.program] {
                program.tasksFailed += 1
                put(program)
            }
            emit(.taskFailed, task: task.id, worker: task.targetWorker, account: task.requester, workflow: task.workflow, detail: task.failure)
        case .expired:
            emit(.taskExpired, task: task.id, account: task.requester, workflow: task.workflow, detail: task.failure)
        default:
            break
        }
    }
}
