/// The bodies of the transaction kinds of DESIGN §3. Stateless shape checks live in
/// `TransactionValidation.swift`; stateful ones in the ledger.

public struct Transfer: Codable, Sendable, Hashable {
    public var to: Address
    public var amount: MicroCredits
    public init(to: Address, amount: MicroCredits) { self.to = to; self.amount = amount }
}

/// Credits bought off-chain (chain authority only): devnet faucet and top-ups.
public struct Mint: Codable, Sendable, Hashable {
    public var to: Address
    public var amount: MicroCredits
    public var memo: String?
    public init(to: Address, amount: MicroCredits, memo: String? = nil) { self.to = to; self.amount = amount; self.memo = memo }
}

/// One container image and how to start it. `environment` is a list of `KEY=VALUE`
/// (a list, not a map, so a duplicate key is an error instead of being silently dropped).
public struct ImageSpec: Codable, Sendable, Hashable {
    public var digest: String
    public var command: [String]
    public var environment: [String]
    public init(digest: String, command: [String], environment: [String] = []) {
        self.digest = digest; self.command = command; self.environment = environment
    }
}

public struct DeployProgram: Codable, Sendable, Hashable {
    public var name: String
    public var prover: ImageSpec
    public var verifier: ImageSpec
    /// Resources and time limit used when a request names none.
    public var defaultResources: Resources
    public var defaultTimeLimitSeconds: Seconds
    /// What one verification run needs; verifiers reserve this much.
    public var verifierResources: Resources
    public var verifierTimeLimitSeconds: Seconds

    public init(name: String, prover: ImageSpec, verifier: ImageSpec, defaultResources: Resources, defaultTimeLimitSeconds: Seconds,
                verifierResources: Resources, verifierTimeLimitSeconds: Seconds) {
        self.name = name; self.prover = prover; self.verifier = verifier
        self.defaultResources = defaultResources; self.defaultTimeLimitSeconds = defaultTimeLimitSeconds
        self.verifierResources = verifierResources; self.verifierTimeLimitSeconds = verifierTimeLimitSeconds
    }

    /// The program ID: SHA-256 of this body's canonical encoding.
    public var programID: ProgramID {
        CanonicalJSON.hash(of: self)
    }
}

/// A file given to a program under `/input/<path>`, addressed by digest; `url` says where to fetch it
/// when it is not in a node's blob store. Input bytes never travel in blocks.
public struct InputRef: Codable, Sendable, Hashable {
    public var path: String
    public var digest: String
    public var size: ByteCount
    public var url: String?
    public init(path: String, digest: String, size: ByteCount, url: String? = nil) {
        self.path = path; self.digest = digest; self.size = size; self.url = url
    }
}

public struct RequestProof: Codable, Sendable, Hashable {
    public var program: ProgramID
    public var inputs: [InputRef]
    public var resources: Resources
    public var timeLimitSeconds: Seconds
    public var redundancy: Int64
    public var verifiers: Int64
    public var proverSet: String?
    public var environment: [String]
    /// Refuse the request rather than pay more than this (protects against a price change in flight).
    public var maxFee: MicroCredits?

    public init(program: ProgramID, inputs: [InputRef], resources: Resources, timeLimitSeconds: Seconds, redundancy: Int64 = 1,
                verifiers: Int64 = 3, proverSet: String? = nil, environment: [String] = [], maxFee: MicroCredits? = nil) {
        self.program = program; self.inputs = inputs; self.resources = resources; self.timeLimitSeconds = timeLimitSeconds
        self.redundancy = redundancy; self.verifiers = verifiers; self.proverSet = proverSet
        self.environment = environment; self.maxFee = maxFee
    }
}

/// Verify-only: run the program's verifier on `inputs` plus a proof produced elsewhere (`proof`, mounted at `/proof`).
public struct RequestVerification: Codable, Sendable, Hashable {
    public var program: ProgramID
    public var inputs: [InputRef]
    public var proof: [InputRef]
    public var verifiers: Int64
    public var proverSet: String?
    public init(program: ProgramID, inputs: [InputRef], proof: [InputRef], verifiers: Int64 = 3, proverSet: String? = nil) {
        self.program = program; self.inputs = inputs; self.proof = proof; self.verifiers = verifiers; self.proverSet = proverSet
    }
}

/// A workflow step input: either a literal file (`digest`, `size`, optional `url`) mounted at `/input/<path>`,
/// or `{step, path}`: the output `path` of the verified proof of an earlier step, mounted at `/input/<step>/<path>`.
public struct StepInput: Codable, Sendable, Hashable {
    public var path: String
    public var step: String?
    public var digest: String?
    public var size: ByteCount?
    public var url: String?

    public static func file(_ input: InputRef) -> StepInput {
        StepInput(path: input.path, step: nil, digest: input.digest, size: input.size, url: input.url)
    }

    public static func output(ofStep step: String, path: String) -> StepInput {
        StepInput(path: path, step: step, digest: nil, size: nil, url: nil)
    }
}

public struct WorkflowStep: Codable, Sendable, Hashable {
    public var name: String
    public var program: ProgramID
    public var inputs: [StepInput]
    public var resources: Resources
    public var timeLimitSeconds: Seconds
    public var redundancy: Int64
    public var verifiers: Int64
    public var environment: [String]

    public init(name: String, program: ProgramID, inputs: [StepInput], resources: Resources, timeLimitSeconds: Seconds,
                redundancy: Int64 = 1, verifiers: Int64 = 3, environment: [String] = []) {
        self.name = name; self.program = program; self.inputs = inputs; self.resources = resources
        self.timeLimitSeconds = timeLimitSeconds; self.redundancy = redundancy; self.verifiers = verifiers; self.environment = environment
    }
}

public struct SubmitWorkflow: Codable, Sendable, Hashable {
    public var name: String
    public var steps: [WorkflowStep]
    public var proverSet: String?
    public init(name: String, steps: [WorkflowStep], proverSet: String? = nil) { self.name = name; self.steps = steps; self.proverSet = proverSet }
}

/// Cancels a task, or (with `workflow`) every unfinished step of a workflow.
public struct CancelTask: Codable, Sendable, Hashable {
    public var task: TaskID?
    public var workflow: WorkflowID?
    public init(task: TaskID? = nil, workflow: WorkflowID? = nil) { self.task = task; self.workflow = workflow }
}

/// Registers the sender as a worker, or updates a registered worker (which puts it back on probation).
public struct RegisterWorker: Codable, Sendable, Hashable {
    public var capacity: Resources
    public var diskBytes: ByteCount
    public var labels: [String: String]
    /// Credits moved from the balance into the stake (added to any existing stake).
    public var stake: MicroCredits
    /// Where the worker can be reached for diagnostics; informational.
    public var endpoint: String?
    public init(capacity: Resources, diskBytes: ByteCount, labels: [String: String] = [:], stake: MicroCredits, endpoint: String? = nil) {
        self.capacity = capacity; self.diskBytes = diskBytes; self.labels = labels; self.stake = stake; self.endpoint = endpoint
    }
}

public struct AnnounceExit: Codable, Sendable, Hashable {
    public init() {}
}

public struct AcceptTask: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public init(task: TaskID, attempt: Int) { self.task = task; self.attempt = attempt }
}

public struct DeclineTask: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public var reason: String?
    public init(task: TaskID, attempt: Int, reason: String? = nil) { self.task = task; self.attempt = attempt; self.reason = reason }
}

/// A file a prover wrote under `/output`.
public struct OutputRef: Codable, Sendable, Hashable {
    public var path: String
    public var digest: String
    public var size: ByteCount
    public init(path: String, digest: String, size: ByteCount) { self.path = path; self.digest = digest; self.size = size }
}

/// What the sandbox measured; recorded and shown, never billed (the fee is for the time limit asked).
public struct MeasuredUsage: Codable, Sendable, Hashable {
    public var wallMilliseconds: Int64
    public var cpuMilliseconds: Int64
    public var peakMemoryBytes: ByteCount
    public init(wallMilliseconds: Int64 = 0, cpuMilliseconds: Int64 = 0, peakMemoryBytes: ByteCount = 0) {
        self.wallMilliseconds = wallMilliseconds; self.cpuMilliseconds = cpuMilliseconds; self.peakMemoryBytes = peakMemoryBytes
    }
}

public struct SubmitResult: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public var exitCode: Int32
    public var timedOut: Bool
    public var oomKilled: Bool
    public var outputs: [OutputRef]
    public var stdoutDigest: String?
    public var stderrDigest: String?
    public var usage: MeasuredUsage
    /// A short human explanation of a failure ("OOM-killed at 2GiB"), shown to the requester.
    public var message: String?

    public init(task: TaskID, attempt: Int, exitCode: Int32, timedOut: Bool = false, oomKilled: Bool = false, outputs: [OutputRef],
                stdoutDigest: String? = nil, stderrDigest: String? = nil, usage: MeasuredUsage = MeasuredUsage(), message: String? = nil) {
        self.task = task; self.attempt = attempt; self.exitCode = exitCode; self.timedOut = timedOut; self.oomKilled = oomKilled
        self.outputs = outputs; self.stdoutDigest = stdoutDigest; self.stderrDigest = stderrDigest; self.usage = usage; self.message = message
    }

    public var succeeded: Bool { exitCode == 0 && !timedOut && !oomKilled }
}

/// A verifier's verdict: its program exited 0 (valid), 1 (invalid), or anything else (error).
public enum Verdict: String, Codable, Sendable, Hashable, CaseIterable {
    case valid, invalid, error

    public init(exitCode: Int32) {
        switch exitCode {
        case 0: self = .valid
        case 1: self = .invalid
        default: self = .error
        }
    }
}


/// A named set of workers: listed members and/or every worker whose labels include `labels`. Workers opt in with `JoinProverSet`.
public struct CreateProverSet: Codable, Sendable, Hashable {
    public var name: String
    public var members: [Address]
    public var labels: [String: String]
    public init(name: String, members: [Address] = [], labels: [String: String] = [:]) { self.name = name; self.members = members; self.labels = labels }
}

public struct JoinProverSet: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}

public struct BlockProgram: Codable, Sendable, Hashable {
    public var program: ProgramID
    public var reason: String
    public init(program: ProgramID, reason: String) { self.program = program; self.reason = reason }
}

/// The owner retires a program: it takes no new requests, and the deploy deposit comes back.
public struct RetireProgram: Codable, Sendable, Hashable {
    public var program: ProgramID
    public init(program: ProgramID) { self.program = program }
}

/// The owner retires a prover set: no new request may name it, and its deposit comes back.
public struct RetireProverSet: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}
