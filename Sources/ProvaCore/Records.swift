/// The ledger's records, as the API shows them. They are plain values; only the ledger changes them.

public struct Account: Codable, Sendable, Hashable {
    public var address: Address
    public var balance: MicroCredits
    /// The nonce the account's next transaction must carry.
    public var nonce: UInt64
    /// Free-tier fees used in the current period, and when that period began (block time).
    public var freeTierUsed: MicroCredits
    public var freeTierPeriodStartMilliseconds: Milliseconds

    public init(address: Address, balance: MicroCredits = 0, nonce: UInt64 = 0, freeTierUsed: MicroCredits = 0, freeTierPeriodStartMilliseconds: Milliseconds = 0) {
        self.address = address; self.balance = balance; self.nonce = nonce
        self.freeTierUsed = freeTierUsed; self.freeTierPeriodStartMilliseconds = freeTierPeriodStartMilliseconds
    }
}

public struct Program: Codable, Sendable, Hashable {
    public var id: ProgramID
    public var owner: Address
    public var deploy: DeployProgram
    public var deployedAtHeight: UInt64
    public var strikes: Int
    public var blocked: Bool
    public var blockedReason: String?
    public var tasksRequested: Int64
    public var tasksVerified: Int64
    public var tasksFailed: Int64
    /// Held from the deploy until the owner retires the program (DESIGN §6: deploys take a refundable deposit).
    public var deposit: MicroCredits
    /// Retired by its owner: it takes no new requests; tasks already requested run to the end.
    public var retired: Bool

    public init(id: ProgramID, owner: Address, deploy: DeployProgram, deployedAtHeight: UInt64, strikes: Int, blocked: Bool, blockedReason: String?,
                tasksRequested: Int64, tasksVerified: Int64, tasksFailed: Int64, deposit: MicroCredits = 0, retired: Bool = false) {
        self.id = id
        self.owner = owner
        self.deploy = deploy
        self.deployedAtHeight = deployedAtHeight
        self.strikes = strikes
        self.blocked = blocked
        self.blockedReason = blockedReason
        self.tasksRequested = tasksRequested
        self.tasksVerified = tasksVerified
        self.tasksFailed = tasksFailed
        self.deposit = deposit
        self.retired = retired
    }
}

public enum WorkerStatus: String, Codable, Sendable, Hashable {
    /// Registered; must pass a capacity test before it is selected.
    case probation
    case active
    /// Removed from selection until its jail time passes and it passes a capacity test again.
    case jailed
    /// Announced exit: no new work; stake returned after the exit delay.
    case exiting
    case exited
}

public struct Worker: Codable, Sendable, Hashable {
    public var address: Address
    public var capacity: Resources
    public var diskBytes: ByteCount
    public var labels: [String: String]
    public var stake: MicroCredits
    public var endpoint: String?
    public var status: WorkerStatus
    /// Capacity held by assigned prover attempts and verifier duties.
    public var reserved: Resources
    public var strikes: Int
    public var jailedUntilMilliseconds: Milliseconds?
    public var exitAtMilliseconds: Milliseconds?
    public var registeredAtMilliseconds: Milliseconds
    /// The capacity test in flight, if any.
    public var capacityTest: TaskID?
    public var proverSets: [String]
    public var earned: MicroCredits
    public var slashed: MicroCredits
    public var tasksProved: Int64
    public var votesCast: Int64
    public var assignments: Int64

    public var free: Resources { capacity - reserved }

    public init(address: Address, capacity: Resources, diskBytes: ByteCount, labels: [String: String], stake: MicroCredits, endpoint: String?, status: WorkerStatus, reserved: Resources, strikes: Int, jailedUntilMilliseconds: Milliseconds?, exitAtMilliseconds: Milliseconds?, registeredAtMilliseconds: Milliseconds, capacityTest: TaskID?, proverSets: [String], earned: MicroCredits, slashed: MicroCredits, tasksProved: Int64, votesCast: Int64, assignments: Int64) {
        self.address = address
        self.capacity = capacity
        self.diskBytes = diskBytes
        self.labels = labels
        self.stake = stake
        self.endpoint = endpoint
        self.status = status
        self.reserved = reserved
        self.strikes = strikes
        self.jailedUntilMilliseconds = jailedUntilMilliseconds
        self.exitAtMilliseconds = exitAtMilliseconds
        self.registeredAtMilliseconds = registeredAtMilliseconds
        self.capacityTest = capacityTest
        self.proverSets = proverSets
        self.earned = earned
        self.slashed = slashed
        self.tasksProved = tasksProved
        self.votesCast = votesCast
        self.assignments = assignments
    }
}

public enum TaskKind: String, Codable, Sendable, Hashable {
    case proof, verification, capacityTest
}

public enum TaskState: String, Codable, Sendable, Hashable {
    case pending, assigned, running, delivered, verified
    /// The proof was accepted with fewer votes than requested (a prover set too small to draw them all), or none.
    case acceptedUnverified
    case failed, cancelled, expired

    public var isTerminal: Bool { isAccepted || self == .failed || self == .cancelled || self == .expired }
    /// The task's outputs are delivered: verified, or accepted with fewer votes than requested.
    public var isAccepted: Bool { self == .verified || self == .acceptedUnverified }
}

public enum SlotState: String, Codable, Sendable, Hashable {
    /// Needs a prover (first draw, after a decline or missed acceptance, or for a fallback).
    case waiting
    case assigned, running, verifying, verified, acceptedUnverified, failed, cancelled, expired

    public var isTerminal: Bool { self == .verified || self == .acceptedUnverified || self == .failed || self == .cancelled || self == .expired }
}

/// One of the `redundancy` independent lanes of a task, each escrowing one fee.
public struct Slot: Codable, Sendable, Hashable {
    public var index: Int
    public var state: SlotState
    public var fee: MicroCredits
    /// Attempts that ran and failed (timed out, exited non-zero, or were rejected).
    public var failedAttempts: Int
    public var waitingSinceMilliseconds: Milliseconds
    /// The block in which the slot began waiting: its prover is drawn in a later block, by that block's beacon.
    public var waitingSinceHeight: UInt64
    /// The attempt currently holding the slot, if any.
    public var currentAttempt: Int?

    public init(index: Int, state: SlotState, fee: MicroCredits, failedAttempts: Int, waitingSinceMilliseconds: Milliseconds, waitingSinceHeight: UInt64,
                currentAttempt: Int?) {
        self.index = index
        self.state = state
        self.fee = fee
        self.failedAttempts = failedAttempts
        self.waitingSinceMilliseconds = waitingSinceMilliseconds
        self.waitingSinceHeight = waitingSinceHeight
        self.currentAttempt = currentAttempt
    }
}

public enum AttemptState: String, Codable, Sendable, Hashable {
    case assigned, running, delivered, verified, acceptedUnverified, rejected, failed, timedOut, missedAcceptance, declined, cancelled
    /// Verification ended without a strict majority (or past its deadline): nobody is at fault, nobody is slashed.
    case inconclusive

    public var isOpen: Bool { self == .assigned || self == .running || self == .delivered }
}

/// A verifier duty's course: drawn (`pending`) → `committed` → `voted` (revealed), or `missed` (no commitment by
/// `deadlineMilliseconds`, or no reveal by the attempt's reveal deadline), or `released` (the attempt ended first).
public enum DutyState: String, Codable, Sendable, Hashable {
    case pending, committed, voted, missed, released
}

public struct VerifierDuty: Codable, Sendable, Hashable {
    public var worker: Address
    public var drawnAtMilliseconds: Milliseconds
    /// The commitment must be on the chain by then.
    public var deadlineMilliseconds: Milliseconds
    public var state: DutyState
    /// The revealed vote.
    public var vote: Verdict?
    public var commitment: String?
    /// The revealed transcript of the verifier's run.
    public var transcript: VoteTranscript?

    public init(worker: Address, drawnAtMilliseconds: Milliseconds, deadlineMilliseconds: Milliseconds, state: DutyState, vote: Verdict?,
                commitment: String? = nil, transcript: VoteTranscript? = nil) {
        self.worker = worker
        self.drawnAtMilliseconds = drawnAtMilliseconds
        self.deadlineMilliseconds = deadlineMilliseconds
        self.state = state
        self.vote = vote
        self.commitment = commitment
        self.transcript = transcript
    }
}

public struct Attempt: Codable, Sendable, Hashable {
    /// 1-based, unique within the task.
    public var number: Int
    public var slot: Int
    /// Nil for a verify-only task, whose proof was made elsewhere.
    public var worker: Address?
    public var state: AttemptState
    public var assignedAtMilliseconds: Milliseconds
    public var acceptDeadlineMilliseconds: Milliseconds
    public var acceptedAtMilliseconds: Milliseconds?
    public var runDeadlineMilliseconds: Milliseconds?
    public var result: SubmitResult?
    public var deliveredAtMilliseconds: Milliseconds?
    /// The last block whose events made a verifier draw necessary (the delivery, a verifier that missed its vote):
    /// verifiers are drawn only in a later block, by that block's beacon.
    public var verifierDrawCauseHeight: UInt64
    public var verifiers: [VerifierDuty]
    /// How many votes decide this attempt: the requested count, lowered when fewer workers could ever verify.
    public var verifiersNeeded: Int
    public var verifierReplacements: Int
    public var decidedAtMilliseconds: Milliseconds?
    public var failure: String?
    /// Set when reveals open (every drawn verifier has committed or missed): reveals are accepted until then.
    public var revealDeadlineMilliseconds: Milliseconds?

    public init(number: Int, slot: Int, worker: Address?, state: AttemptState, assignedAtMilliseconds: Milliseconds, acceptDeadlineMilliseconds: Milliseconds, acceptedAtMilliseconds: Milliseconds?, runDeadlineMilliseconds: Milliseconds?, result: SubmitResult?, deliveredAtMilliseconds: Milliseconds?, verifierDrawCauseHeight: UInt64 = 0, verifiers: [VerifierDuty], verifiersNeeded: Int, verifierReplacements: Int, decidedAtMilliseconds: Milliseconds?, failure: String?, revealDeadlineMilliseconds: Milliseconds? = nil) {
        self.number = number
        self.slot = slot
        self.worker = worker
        self.state = state
        self.assignedAtMilliseconds = assignedAtMilliseconds
        self.acceptDeadlineMilliseconds = acceptDeadlineMilliseconds
        self.acceptedAtMilliseconds = acceptedAtMilliseconds
        self.runDeadlineMilliseconds = runDeadlineMilliseconds
        self.result = result
        self.deliveredAtMilliseconds = deliveredAtMilliseconds
        self.verifierDrawCauseHeight = verifierDrawCauseHeight
        self.verifiers = verifiers
        self.verifiersNeeded = verifiersNeeded
        self.verifierReplacements = verifierReplacements
        self.decidedAtMilliseconds = decidedAtMilliseconds
        self.failure = failure
        self.revealDeadlineMilliseconds = revealDeadlineMilliseconds
    }
}

public struct TaskRecord: Codable, Sendable, Hashable {
    public var id: TaskID
    public var kind: TaskKind
    public var requester: Address
    public var program: ProgramID
    public var inputs: [InputRef]
    /// Verify-only tasks: the proof files to check.
    public var proof: [InputRef]
    public var resources: Resources
    public var timeLimitSeconds: Seconds
    public var environment: [String]
    public var redundancy: Int64
    public var verifierCount: Int64
    public var proverSet: String?
    public var workflow: WorkflowID?
    public var step: String?
    /// Capacity tests go to this worker rather than a random one.
    public var targetWorker: Address?
    public var feePerSlot: MicroCredits
    /// What is still held for this task.
    public var escrow: MicroCredits
    public var state: TaskState
    public var submittedAtMilliseconds: Milliseconds
    public var submittedAtHeight: UInt64
    public var deliveredAtMilliseconds: Milliseconds?
    public var completedAtMilliseconds: Milliseconds?
    public var slots: [Slot]
    public var attempts: [Attempt]
    /// Every worker drawn as a prover for this task; never drawn twice, never a verifier.
    public var provers: [Address]
    public var paid: MicroCredits
    public var refunded: MicroCredits
    public var burned: MicroCredits
    public var failure: String?
    /// The attempt whose proof was verified first.
    public var verifiedAttempt: Int?
    /// How many prover/verifier draws this task has had; part of each selection seed.
    public var draws: Int
    /// Order of creation on the chain: tasks are served first come, first served in this order.
    public var sequence: Int64

    public init(id: TaskID, kind: TaskKind, requester: Address, program: ProgramID, inputs: [InputRef], proof: [InputRef], resources: Resources, timeLimitSeconds: Seconds, environment: [String], redundancy: Int64, verifierCount: Int64, proverSet: String?, workflow: WorkflowID?, step: String?, targetWorker: Address?, feePerSlot: MicroCredits, escrow: MicroCredits, state: TaskState, submittedAtMilliseconds: Milliseconds, submittedAtHeight: UInt64, deliveredAtMilliseconds: Milliseconds?, completedAtMilliseconds: Milliseconds?, slots: [Slot], attempts: [Attempt], provers: [Address], paid: MicroCredits, refunded: MicroCredits, burned: MicroCredits, failure: String?, verifiedAttempt: Int?, draws: Int, sequence: Int64 = 0) {
        self.id = id
        self.kind = kind
        self.requester = requester
        self.program = program
        self.inputs = inputs
        self.proof = proof
        self.resources = resources
        self.timeLimitSeconds = timeLimitSeconds
        self.environment = environment
        self.redundancy = redundancy
        self.verifierCount = verifierCount
        self.proverSet = proverSet
        self.workflow = workflow
        self.step = step
        self.targetWorker = targetWorker
        self.feePerSlot = feePerSlot
        self.escrow = escrow
        self.state = state
        self.submittedAtMilliseconds = submittedAtMilliseconds
        self.submittedAtHeight = submittedAtHeight
        self.deliveredAtMilliseconds = deliveredAtMilliseconds
        self.completedAtMilliseconds = completedAtMilliseconds
        self.slots = slots
        self.attempts = attempts
        self.provers = provers
        self.paid = paid
        self.refunded = refunded
        self.burned = burned
        self.failure = failure
        self.verifiedAttempt = verifiedAttempt
        self.draws = draws
        self.sequence = sequence
    }
}

/// A named set of workers (DESIGN §7): listed members and/or label selectors; workers opt in.
public struct ProverSet: Codable, Sendable, Hashable {
    public var name: String
    public var owner: Address
    public var members: [Address]
    public var labels: [String: String]
    /// Workers that opted in with JoinProverSet.
    public var joined: [Address]
    /// Held from creation until the owner retires the set.
    public var deposit: MicroCredits
    /// Retired by its owner: no new request may name it; tasks that already do keep drawing from it.
    public var retired: Bool

    /// Whether `worker` may serve requests naming this set: it opted in and is listed or matches every label.
    public func admits(_ worker: Worker) -> Bool {
        guard joined.contains(worker.address) else { return false }
        if members.contains(worker.address) { return true }
        guard !labels.isEmpty else { return false }
        return labels.allSatisfy { worker.labels[$0.key] == $0.value }
    }

    public init(name: String, owner: Address, members: [Address], labels: [String: String], joined: [Address], deposit: MicroCredits = 0,
                retired: Bool = false) {
        self.name = name
        self.owner = owner
        self.members = members
        self.labels = labels
        self.joined = joined
        self.deposit = deposit
        self.retired = retired
    }
}

public enum WorkflowState: String, Codable, Sendable, Hashable {
    case running, completed, failed, cancelled
}

public struct WorkflowStepState: Codable, Sendable, Hashable {
    public var name: String
    public var task: TaskID?
    public var fee: MicroCredits
    public var state: TaskState?

    public init(name: String, task: TaskID?, fee: MicroCredits, state: TaskState?) {
        self.name = name
        self.task = task
        self.fee = fee
        self.state = state
    }
}

public struct Workflow: Codable, Sendable, Hashable {
    public var id: WorkflowID
    public var requester: Address
    public var definition: SubmitWorkflow
    public var state: WorkflowState
    public var steps: [WorkflowStepState]
    /// Escrow held for steps not yet released as tasks.
    public var escrow: MicroCredits
    public var submittedAtMilliseconds: Milliseconds
    public var completedAtMilliseconds: Milliseconds?
    public var failure: String?

    public init(id: WorkflowID, requester: Address, definition: SubmitWorkflow, state: WorkflowState, steps: [WorkflowStepState], escrow: MicroCredits, submittedAtMilliseconds: Milliseconds, completedAtMilliseconds: Milliseconds?, failure: String?) {
        self.id = id
        self.requester = requester
        self.definition = definition
        self.state = state
        self.steps = steps
        self.escrow = escrow
        self.submittedAtMilliseconds = submittedAtMilliseconds
        self.completedAtMilliseconds = completedAtMilliseconds
        self.failure = failure
    }
}

/// Money that exists: `minted == balances + escrow + stakes + treasury + burned` after every block.
public struct Supply: Codable, Sendable, Hashable {
    public var minted: MicroCredits
    public var treasury: MicroCredits
    public var burned: MicroCredits
    public var balances: MicroCredits
    public var escrow: MicroCredits
    public var stakes: MicroCredits
    /// Deposits held for deployed programs and prover sets.
    public var deposits: MicroCredits

    public var isConserved: Bool { minted == balances + escrow + stakes + deposits + treasury + burned }

    public init(minted: MicroCredits, treasury: MicroCredits, burned: MicroCredits, balances: MicroCredits, escrow: MicroCredits, stakes: MicroCredits,
                deposits: MicroCredits) {
        self.minted = minted
        self.treasury = treasury
        self.burned = burned
        self.balances = balances
        self.escrow = escrow
        self.stakes = stakes
        self.deposits = deposits
    }
}
