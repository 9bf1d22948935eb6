import ProvaCore

/// Which tasks and workflows the end-of-block work must look at, so a block costs what changed rather than what
/// is open (tens of thousands of running tasks on a busy network).
///
/// Derived from the records, never part of the state or its digest, and a **superset**: every `put` of a task adds
/// the entries its new version needs, and an entry is dropped only by the pass that finds nothing left to do. An entry
/// that no longer applies is harmless (its pass changes nothing), so a transaction rolled back by a proposer can leave
/// entries behind. Only a rollback across the end-of-block passes (a block refused by `apply`) can lose entries that
/// still apply; it marks the index stale and it is rebuilt from the records.
struct WorkIndex: Sendable {
    /// Tasks with a slot waiting for a prover, by creation sequence (the order they are served in).
    var waiting: [Int64: TaskID] = [:]
    /// Tasks with a delivered attempt that needs verifiers drawn or its votes decided, by creation sequence.
    var verifying: [Int64: TaskID] = [:]
    /// Running workflows whose step tasks (or themselves) changed since the workflow pass last looked.
    var workflows: Set<WorkflowID> = []
    /// The earliest deadline each task has in `deadlines`; entries of the heap that disagree are stale.
    var scheduled: [TaskID: Milliseconds] = [:]
    var deadlines = DeadlineHeap()
    /// The latest block whose events made a draw necessary (`Ledger.drawsAwaitNextBlock`); nil before any did.
    var drawsCausedAtHeight: UInt64?
    var isStale = false

    /// Adds the entries `task` needs; `verifierWork` is whether one of its delivered attempts needs the verifier pass.
    mutating func note(_ task: TaskRecord, verifierWork: Bool, nextDeadline: Milliseconds?) {
        for slot in task.slots where slot.state == .waiting {
            waiting[task.sequence] = task.id
            noteDrawCause(at: slot.waitingSinceHeight)
        }
        if verifierWork {
            verifying[task.sequence] = task.id
            for attempt in task.attempts where attempt.state == .delivered {
                noteDrawCause(at: attempt.verifierDrawCauseHeight)
            }
        }
        if let workflow = task.workflow { workflows.insert(workflow) }
        if let deadline = nextDeadline { schedule(task.id, sequence: task.sequence, at: deadline) }
    }

    private mutating func noteDrawCause(at height: UInt64) {
        drawsCausedAtHeight = Swift.max(drawsCausedAtHeight ?? height, height)
    }

    /// Makes sure the task is looked at once `deadline` has passed (an earlier scheduled look covers it).
    mutating func schedule(_ id: TaskID, sequence: Int64, at deadline: Milliseconds) {
        if let existing = scheduled[id], existing <= deadline { return }
        scheduled[id] = deadline
        deadlines.push(DeadlineHeap.Entry(deadline: deadline, sequence: sequence, task: id))
    }

    /// Removes and returns the tasks with a deadline before `now`, in creation order. Each must be rescheduled
    /// after it is handled (its scheduled deadline is forgotten here).
    mutating func takeDue(before now: Milliseconds) -> [(sequence: Int64, task: TaskID)] {
        var due: [(sequence: Int64, task: TaskID)] = []
        while let top = deadlines.top, top.deadline < now {
            deadlines.pop()
            guard let current = scheduled[top.task], current == top.deadline else { continue }
            scheduled[top.task] = nil
            due.append((top.sequence, top.task))
        }
        due.sort { $0.sequence < $1.sequence }
        return due
    }

    /// The entries of `index` in creation order.
    static func inOrder(_ index: [Int64: TaskID]) -> [(sequence: Int64, task: TaskID)] {
        index.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}

extension Dictionary where Key == Int64, Value == TaskID {
    /// Removes the entry at `sequence` if it still names `task` (a later task may have taken the key since).
    mutating func drop(_ sequence: Int64, _ task: TaskID) {
        if self[sequence] == task { self[sequence] = nil }
    }
}

/// A binary min-heap of task deadlines, ordered by deadline then creation sequence.
struct DeadlineHeap: Sendable {
    struct Entry: Sendable {
        var deadline: Milliseconds
        var sequence: Int64
        var task: TaskID

        func precedes(_ other: Entry) -> Bool {
            deadline < other.deadline || (deadline == other.deadline && sequence < other.sequence)
        }
    }

    private(set) var entries: [Entry] = []

    var top: Entry? { entries.first }
    var count: Int { entries.count }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].precedes(entries[parent]) else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func pop() {
        guard !entries.isEmpty else { return }
        let last = entries.removeLast()
        guard !entries.isEmpty else { return }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].precedes(entries[smallest]) { smallest = left }
            if right < entries.count, entries[right].precedes(entries[smallest]) { smallest = right }
            guard smallest != parent else { return }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
