public import ProvaCore
public import ProvaLedger

/// How a simulated worker answers what the chain asks of it.
public enum WorkerBehaviour: String, Sendable, CaseIterable, Codable {
    /// Accepts at once, delivers a valid proof, votes truthfully.
    case honest
    /// Never answers anything.
    case silent
    /// Declines every assignment.
    case declines
    /// Accepts, then never delivers (the run deadline passes).
    case timesOut
    /// Accepts and reports a failed run (exit code 1).
    case fails
    /// Accepts and delivers garbage that looks like a proof.
    case lies
    /// Proves honestly but votes the opposite of the truth.
    case votesWrong
    /// Proves honestly; as a verifier commits `valid` at once without running anything.
    case lazy
    /// Proves honestly; as a verifier commits truthfully and never reveals.
    case neverReveals
    /// Proves honestly; as a verifier commits a guess (`valid`) and reveals whatever the others revealed first.
    case copies
}

/// Simulated prover nodes for the in-memory chain: they read each block's events and answer with signed
/// transactions in later blocks, as real workers answer over the API. For tests, benchmarks and the simulator.
public struct SimulatedWorkers: Sendable {
    public var keys: [Address: AccountKey]
    public var behaviour: [Address: WorkerBehaviour]
    /// How long an honest run takes, as a fraction of the time limit, in percent.
    public var runPercentOfLimit: Int64
    private var scheduled: [(due: Milliseconds, sender: Address, body: TransactionBody)] = []
    /// Each verifier's committed ballot, by "worker task attempt", until it reveals.
    private var ballots: [String: Ballot] = [:]

    public init(keys: [AccountKey], behaviour: [Address: WorkerBehaviour] = [:], runPercentOfLimit: Int64 = 10) {
        self.keys = Dictionary(uniqueKeysWithValues: keys.map { ($0.address, $0) })
        self.behaviour = behaviour
        self.runPercentOfLimit = runPercentOfLimit
    }

    /// The digest an honest prover outputs for a task; verifiers check against it.
    public static func validProofDigest(_ task: TaskID) -> String { SHA256Hex.of("valid-proof:\(task)") }

    public func behaviour(of address: Address) -> WorkerBehaviour { behaviour[address] ?? .honest }

    /// Schedules answers to what `events` ask of these workers.
    public mutating func observe(_ events: [LedgerEvent], state: LedgerState) {
        let now = state.lastTimestampMilliseconds
        for event in events {
            guard let worker = event.worker, keys[worker] != nil, let taskID = event.task, let attempt = event.attempt,
                  let task = state.tasks[taskID] else { continue }
            switch (event.kind, behaviour(of: worker)) {
            case (.taskAssigned, .silent), (.verifierAssigned, .silent):
                continue
            case (.taskAssigned, .declines):
                schedule(now + 50, worker, .declineTask(DeclineTask(task: taskID, attempt: attempt, reason: "busy")))
            case (.taskAssigned, let mode):
                schedule(now + 50, worker, .acceptTask(AcceptTask(task: taskID, attempt: attempt)))
                let runTime = max(task.timeLimitSeconds * 10 * runPercentOfLimit, 100)
                let due = now + 50 + runTime
                switch mode {
                case .timesOut:
                    continue
                case .fails:
                    schedule(due, worker, .submitResult(SubmitResult(task: taskID, attempt: attempt, exitCode: 1, outputs: [], message: "simulated failure")))
                case .lies:
                    schedule(due, worker, .submitResult(SubmitResult(task: taskID, attempt: attempt, exitCode: 0,
                        outputs: [OutputRef(path: "proof.bin", digest: SHA256Hex.of("garbage:\(taskID):\(worker)"), size: 64)])))
                default:
                    schedule(due, worker, .submitResult(SubmitResult(task: taskID, attempt: attempt, exitCode: 0,
                        outputs: [OutputRef(path: "proof.bin", digest: Self.validProofDigest(taskID), size: 64)],
                        usage: MeasuredUsage(wallMilliseconds: runTime, cpuMilliseconds: runTime, peakMemoryBytes: Units.mib))))
                }
            case (.verifierAssigned, let mode):
                guard attempt <= task.attempts.count, let result = task.attempts[attempt - 1].result else { continue }
                let valid = result.outputs.first?.digest == Self.validProofDigest(taskID)
                let truthful: Verdict = valid ? .valid : .invalid
                let verdict: Verdict = switch mode {
                case .votesWrong: valid ? .invalid : .valid
                case .lazy, .copies: .valid
                default: truthful
                }
                let ballot = Ballot(task: taskID, attempt: attempt, verdict: verdict,
                                    transcript: VoteTranscript(claiming: verdict, checked: task.checkedDigest(attempt: attempt)),
                                    salt: SHA256Hex.of("salt:\(worker):\(taskID):\(attempt)"))
                ballots["\(worker) \(taskID) \(attempt)"] = ballot
                guard let commit = try? ballot.commit(by: worker) else { continue }
                schedule(now + (mode == .lazy ? 0 : 100), worker, .commitVote(commit))
            case (.revealRequested, let mode):
                guard mode != .neverReveals, var ballot = ballots.removeValue(forKey: "\(worker) \(taskID) \(attempt)") else { continue }
                if mode == .copies, attempt <= task.attempts.count,
                   let seen = task.attempts[attempt - 1].verifiers.first(where: { $0.worker != worker && $0.vote != nil })?.vote {
                    ballot.verdict = seen
                    ballot.transcript = VoteTranscript(claiming: seen, checked: ballot.transcript.checked)
                }
                schedule(now + 50, worker, .revealVote(ballot.reveal))
            default:
                continue
            }
        }
    }

    private mutating func schedule(_ due: Milliseconds, _ sender: Address, _ body: TransactionBody) {
        scheduled.append((due, sender, body))
    }

    /// Transactions due by `now`, signed through `chain` (which tracks nonces), oldest first.
    public mutating func due(at now: Milliseconds, chain: inout TestChain) -> [SignedTransaction] {
        var ready: [(due: Milliseconds, sender: Address, body: TransactionBody)] = []
        scheduled.removeAll { item in
            guard item.due <= now else { return false }
            ready.append(item)
            return true
        }
        return ready.compactMap { item in keys[item.sender].map { chain.sign(item.body, by: $0) } }
    }

    public var hasScheduledWork: Bool { !scheduled.isEmpty }
}

extension TestChain {
    /// Runs blocks, letting `workers` answer, until `done` holds or `maxBlocks` pass. Returns the events seen.
    @discardableResult
    public mutating func run(_ workers: inout SimulatedWorkers, extra: [SignedTransaction] = [], interval: Milliseconds = 200, maxBlocks: Int = 2_000,
                             until done: (LedgerState) -> Bool) throws -> [LedgerEvent] {
        var events: [LedgerEvent] = []
        var pending = extra
        for _ in 0..<maxBlocks {
            let outcome = try block(pending + workers.due(at: now + interval, chain: &self), interval: interval)
            pending = []
            events += outcome.events
            workers.observe(outcome.events, state: state)
            if done(state) { return events }
        }
        return events
    }
}
