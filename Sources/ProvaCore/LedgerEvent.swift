/// What the ledger did, as daemons stream it (SSE) and as the state digest covers it (in `DigestEncoding`).
/// Flat on purpose: every event names the task, worker and account it concerns, so filters are one field compare.
public struct LedgerEvent: Codable, Sendable, Hashable {
    public enum Kind: String, Codable, Sendable, Hashable, CaseIterable {
        case minted, transferred, freeTierGranted, depositHeld, depositReturned
        case programRetired, proverSetRetired
        case programDeployed, programStrike, programBlocked
        case taskSubmitted, escrowed, taskAssigned, taskAccepted, taskDeclined, acceptanceMissed
        case taskDelivered, verifierAssigned, voteCommitted, revealRequested, voteCast, verifierMissed, taskVerified, taskAcceptedUnverified, proofRejected
        case attemptFailed, attemptTimedOut, fallback, taskFailed, taskCancelled, taskExpired
        case paid, refunded, slashed, burned
        case workerRegistered, workerActivated, workerStrike, workerJailed, capacityTestAssigned, capacityTestFailed
        case workerExitAnnounced, stakeReturned, proverSetCreated, proverSetJoined
        case workflowSubmitted, workflowStepReleased, workflowCompleted, workflowFailed
    }

    public var kind: Kind
    public var height: UInt64
    public var task: TaskID?
    public var attempt: Int?
    public var worker: Address?
    public var account: Address?
    public var program: ProgramID?
    public var workflow: WorkflowID?
    public var amount: MicroCredits?
    /// A deadline in block time (acceptance, result or vote), when the event sets one.
    public var deadlineMilliseconds: Milliseconds?
    public var detail: String?

    public init(_ kind: Kind, height: UInt64, task: TaskID? = nil, attempt: Int? = nil, worker: Address? = nil, account: Address? = nil,
                program: ProgramID? = nil, workflow: WorkflowID? = nil, amount: MicroCredits? = nil, deadlineMilliseconds: Milliseconds? = nil, detail: String? = nil) {
        self.kind = kind; self.height = height; self.task = task; self.attempt = attempt; self.worker = worker; self.account = account
        self.program = program; self.workflow = workflow; self.amount = amount; self.deadlineMilliseconds = deadlineMilliseconds; self.detail = detail
    }
}
