/// Stateless shape checks: bounds, formats and internal consistency of one transaction body.
/// A transaction that fails here never reaches a block.
public enum Limits {
    public static let maxNameLength = 128
    public static let maxInputs = 256
    public static let maxOutputs = 1_024
    public static let maxPathLength = 512
    public static let maxCommandArguments = 128
    public static let maxArgumentLength = 4_096
    public static let maxEnvironment = 128
    public static let maxLabels = 32
    public static let maxLabelLength = 128
    public static let maxRedundancy: Int64 = 8
    public static let maxVerifiers: Int64 = 15
    public static let maxTimeLimitSeconds: Seconds = 7 * 24 * 3600
    public static let maxWorkflowSteps = 1_024
    public static let maxSetMembers = 1_024
    public static let maxMessageLength = 1_024
    public static let maxURLLength = 2_048

    // Physical bounds on every number a sender chooses (docs/PROTOCOL.md "Bounds"). They keep every product and sum
    // the ledger forms far inside 64 bits, so no transaction can make a validator trap on overflow.

    /// All the credits there can ever be: 10^18 µcr (a trillion credits). Every amount, balance, stake and fee is at most this.
    public static let maxSupply: MicroCredits = 1_000_000_000_000_000_000
    /// The largest machine a worker may declare, and so the most a request may ask: 4,096 cores, 64 TiB, 64 GPUs.
    public static let maxCPUMillicores: Millicores = 4_096_000
    public static let maxMemoryBytes: ByteCount = 64 * Units.tib
    public static let maxGPUs: Int64 = 64
    /// A worker's declared disk: at most 1 PiB.
    public static let maxDiskBytes: ByteCount = 1_024 * Units.tib
    /// One input, output or proof file: at most 1 TiB.
    public static let maxFileBytes: ByteCount = Units.tib
    /// Measured usage a result reports: at most the longest time limit, on every core of the largest machine.
    public static let maxWallMilliseconds: Int64 = maxTimeLimitSeconds * 1_000
    public static let maxCPUMilliseconds: Int64 = maxWallMilliseconds * (maxCPUMillicores / 1_000)
    /// A transaction's nonce: at most 2^62 (an account cannot send more in the life of the universe).
    public static let maxNonce: UInt64 = 1 << 62
    /// An attempt number.
    public static let maxAttempt: Int64 = 10_000
}

extension TransactionBody {
    public func validateShape() throws {
        switch self {
        case .transfer(let body):
            try Check.address(body.to, field: "to")
            try Check.amount(body.amount, field: "amount")
        case .mint(let body):
            try Check.address(body.to, field: "to")
            try Check.amount(body.amount, field: "amount")
            try Check.text(body.memo ?? "", field: "memo", max: Limits.maxMessageLength)
        case .deployProgram(let body):
            try Check.name(body.name, field: "name")
            try Check.image(body.prover, field: "prover")
            try Check.image(body.verifier, field: "verifier")
            try Check.taskResources(body.defaultResources, field: "defaultResources")
            try Check.timeLimit(body.defaultTimeLimitSeconds, field: "defaultTimeLimitSeconds")
            try Check.taskResources(body.verifierResources, field: "verifierResources")
            try Check.timeLimit(body.verifierTimeLimitSeconds, field: "verifierTimeLimitSeconds")
        case .requestProof(let body):
            try Check.digest(body.program, field: "program")
            try Check.inputs(body.inputs, field: "inputs")
            try Check.taskResources(body.resources, field: "resources")
            try Check.timeLimit(body.timeLimitSeconds, field: "timeLimitSeconds")
            try Check.range(body.redundancy, 1...Limits.maxRedundancy, field: "redundancy")
            try Check.range(body.verifiers, 0...Limits.maxVerifiers, field: "verifiers")
            try Check.environment(body.environment, field: "environment")
            if let set = body.proverSet { try Check.name(set, field: "proverSet") }
            if let maxFee = body.maxFee { try Check.amount(maxFee, field: "maxFee") }
        case .requestVerification(let body):
            try Check.digest(body.program, field: "program")
            try Check.inputs(body.inputs, field: "inputs")
            try Check.inputs(body.proof, field: "proof")
            guard !body.proof.isEmpty else { throw Check.error("proof", "must name at least one proof file") }
            try Check.range(body.verifiers, 1...Limits.maxVerifiers, field: "verifiers")
            if let set = body.proverSet { try Check.name(set, field: "proverSet") }
        case .submitWorkflow(let body):
            try body.validateGraph()
        case .cancelTask(let body):
            guard (body.task == nil) != (body.workflow == nil) else { throw Check.error("task", "name exactly one of task or workflow") }
            if let task = body.task { try Check.digest(task, field: "task") }
            if let workflow = body.workflow { try Check.digest(workflow, field: "workflow") }
        case .registerWorker(let body):
            try Check.workerCapacity(body.capacity, field: "capacity")
            try Check.range(body.diskBytes, 1...Limits.maxDiskBytes, field: "diskBytes")
            try Check.labels(body.labels, field: "labels")
            try Check.range(body.stake, 0...Limits.maxSupply, field: "stake")
            try Check.text(body.endpoint ?? "", field: "endpoint", max: Limits.maxURLLength)
        case .announceExit:
            break
        case .acceptTask(let body):
            try Check.digest(body.task, field: "task")
            try Check.range(Int64(body.attempt), 1...Limits.maxAttempt, field: "attempt")
        case .declineTask(let body):
            try Check.digest(body.task, field: "task")
            try Check.range(Int64(body.attempt), 1...Limits.maxAttempt, field: "attempt")
            try Check.text(body.reason ?? "", field: "reason", max: Limits.maxMessageLength)
        case .submitResult(let body):
            try Check.digest(body.task, field: "task")
            try Check.range(Int64(body.attempt), 1...Limits.maxAttempt, field: "attempt")
            guard body.outputs.count <= Limits.maxOutputs else { throw Check.error("outputs", "at most \(Limits.maxOutputs) files") }
            var seen = Set<String>()
            for output in body.outputs {
                try Check.path(output.path, field: "outputs.path")
                try Check.digest(output.digest, field: "outputs.digest")
                try Check.range(output.size, 0...Limits.maxFileBytes, field: "outputs.size")
                guard seen.insert(output.path).inserted else { throw Check.error("outputs", "path '\(output.path)' appears twice") }
            }
            if let digest = body.stdoutDigest { try Check.digest(digest, field: "stdoutDigest") }
            if let digest = body.stderrDigest { try Check.digest(digest, field: "stderrDigest") }
            try Check.range(body.usage.wallMilliseconds, 0...Limits.maxWallMilliseconds, field: "usage.wallMilliseconds")
            try Check.range(body.usage.cpuMilliseconds, 0...Limits.maxCPUMilliseconds, field: "usage.cpuMilliseconds")
            try Check.range(body.usage.peakMemoryBytes, 0...Limits.maxMemoryBytes, field: "usage.peakMemoryBytes")
            try Check.text(body.message ?? "", field: "message", max: Limits.maxMessageLength)
        case .commitVote(let body):
            try Check.digest(body.task, field: "task")
            try Check.range(Int64(body.attempt), 1...Limits.maxAttempt, field: "attempt")
            try Check.digest(body.commitment, field: "commitment")
        case .revealVote(let body):
            try Check.digest(body.task, field: "task")
            try Check.range(Int64(body.attempt), 1...Limits.maxAttempt, field: "attempt")
            guard Hex.isLowercase(body.salt, byteCount: VoteCommitment.saltLength) else {
                throw Check.error("salt", "must be \(VoteCommitment.saltLength) bytes in lowercase hex (the salt the commitment was made with)")
            }
            if let digest = body.transcript.stdoutDigest { try Check.digest(digest, field: "transcript.stdoutDigest") }
            if let digest = body.transcript.stderrDigest { try Check.digest(digest, field: "transcript.stderrDigest") }
            try Check.digest(body.transcript.checked, field: "transcript.checked")
            guard body.verdict == body.transcript.verdict else {
                throw Check.error("verdict", "\(body.verdict.rawValue) does not follow from the transcript (exit code \(body.transcript.exitCode)\(body.transcript.timedOut ? ", timed out" : "")\(body.transcript.oomKilled ? ", OOM-killed" : "")): 0 is valid, 1 invalid, anything else error")
            }
        case .createProverSet(let body):
            try Check.name(body.name, field: "name")
            guard body.members.count <= Limits.maxSetMembers else { throw Check.error("members", "at most \(Limits.maxSetMembers)") }
            for member in body.members { try Check.address(member, field: "members") }
            try Check.labels(body.labels, field: "labels")
            guard !body.members.isEmpty || !body.labels.isEmpty else { throw Check.error("members", "a prover set needs members or labels") }
        case .joinProverSet(let body):
            try Check.name(body.name, field: "name")
        case .blockProgram(let body):
            try Check.digest(body.program, field: "program")
            try Check.text(body.reason, field: "reason", max: Limits.maxMessageLength)
        case .retireProgram(let body):
            try Check.digest(body.program, field: "program")
        case .retireProverSet(let body):
            try Check.name(body.name, field: "name")
        }
    }
}

extension SubmitWorkflow {
    /// Names unique, every `{step, path}` refers to a step of this workflow, and no cycles.
    public func validateGraph() throws {
        try Check.name(name, field: "name")
        guard !steps.isEmpty else { throw Check.error("steps", "a workflow needs at least one step") }
        guard steps.count <= Limits.maxWorkflowSteps else { throw Check.error("steps", "at most \(Limits.maxWorkflowSteps) steps") }
        var names = Set<String>()
        for step in steps {
            try Check.name(step.name, field: "steps.name")
            guard names.insert(step.name).inserted else { throw Check.error("steps", "step name '\(step.name)' appears twice") }
        }
        for step in steps {
            try Check.digest(step.program, field: "steps.program")
            try Check.taskResources(step.resources, field: "steps.resources")
            try Check.timeLimit(step.timeLimitSeconds, field: "steps.timeLimitSeconds")
            try Check.range(step.redundancy, 1...Limits.maxRedundancy, field: "steps.redundancy")
            try Check.range(step.verifiers, 0...Limits.maxVerifiers, field: "steps.verifiers")
            try Check.environment(step.environment, field: "steps.environment")
            guard step.inputs.count <= Limits.maxInputs else { throw Check.error("steps.inputs", "at most \(Limits.maxInputs) inputs") }
            var mounted = Set<String>()
            for input in step.inputs {
                try Check.path(input.path, field: "steps.inputs.path")
                if let parent = input.step {
                    guard names.contains(parent) else { throw Check.error("steps.inputs", "step '\(step.name)' reads from unknown step '\(parent)'") }
                    guard parent != step.name else { throw Check.error("steps.inputs", "step '\(step.name)' reads its own output: that is a cycle") }
                    guard input.digest == nil, input.size == nil, input.url == nil else {
                        throw Check.error("steps.inputs", "an input from a step takes only {step, path}")
                    }
                    guard mounted.insert("\(parent)/\(input.path)").inserted else { throw Check.error("steps.inputs", "input '\(parent)/\(input.path)' appears twice") }
                } else {
                    guard let digest = input.digest, let size = input.size else {
                        throw Check.error("steps.inputs", "a file input needs digest and size (or {step, path} for an earlier step's output)")
                    }
                    try Check.inputs([InputRef(path: input.path, digest: digest, size: size, url: input.url)], field: "steps.inputs")
                    guard mounted.insert(input.path).inserted else { throw Check.error("steps.inputs", "input '\(input.path)' appears twice") }
                }
            }
        }
        if let cycle = cycleStep() {
            throw Check.error("steps", "the workflow has a cycle through step '\(cycle)'; a step may only read outputs of steps that finish before it")
        }
    }

    /// The parents of each step (the steps whose outputs it reads).
    public func parents(of step: WorkflowStep) -> [String] {
        Array(Set(step.inputs.compactMap(\.step))).sorted()
    }

    /// A step on a cycle, or nil (Kahn's algorithm).
    func cycleStep() -> String? {
        var remainingParents: [String: Int] = [:]
        var children: [String: [String]] = [:]
        for step in steps {
            let parents = parents(of: step)
            remainingParents[step.name] = parents.count
            for parent in parents { children[parent, default: []].append(step.name) }
        }
        var ready = steps.map(\.name).filter { remainingParents[$0] == 0 }
        var visited = 0
        while let next = ready.popLast() {
            visited += 1
            for child in children[next] ?? [] {
                remainingParents[child, default: 0] -= 1
                if remainingParents[child] == 0 { ready.append(child) }
            }
        }
        guard visited < steps.count else { return nil }
        return steps.map(\.name).sorted().first { (remainingParents[$0] ?? 0) > 0 }
    }
}

/// Field checks shared by the validators above.
enum Check {
    static func error(_ field: String, _ problem: String) -> ProvaCoreError {
        ProvaCoreError(.invalidField, "\(field): \(problem)")
    }

    static func address(_ value: String, field: String) throws {
        guard Addresses.isValid(value) else { throw error(field, "'\(value.prefix(64))' is not an address (40 lowercase hex characters)") }
    }

    static func digest(_ value: String, field: String) throws {
        guard SHA256Hex.isDigest(value) else { throw error(field, "'\(value.prefix(80))' is not a SHA-256 digest (64 lowercase hex characters)") }
    }

    static func positive(_ value: Int64, field: String) throws {
        guard value > 0 else { throw error(field, "must be positive (got \(value))") }
    }

    static func range(_ value: Int64, _ range: ClosedRange<Int64>, field: String) throws {
        guard range.contains(value) else { throw error(field, "must be between \(range.lowerBound) and \(range.upperBound) (got \(value))") }
    }

    static func text(_ value: String, field: String, max: Int) throws {
        guard value.utf8.count <= max else { throw error(field, "longer than \(max) bytes") }
    }

    static func name(_ value: String, field: String) throws {
        guard !value.isEmpty, value.utf8.count <= Limits.maxNameLength else { throw error(field, "must be 1 to \(Limits.maxNameLength) bytes") }
        guard value.unicodeScalars.allSatisfy({ $0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0) }) else {
            throw error(field, "'\(value)' may contain only letters, digits, '-', '_' and '.'")
        }
    }

    /// A relative path without `..`, empty or `.` components, backslashes or control characters.
    static func path(_ value: String, field: String) throws {
        guard !value.isEmpty, value.utf8.count <= Limits.maxPathLength else { throw error(field, "must be 1 to \(Limits.maxPathLength) bytes") }
        guard !value.hasPrefix("/") else { throw error(field, "'\(value)' must be relative (no leading '/')") }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0 == "\\" }) else { throw error(field, "'\(value)' contains control characters or '\\'") }
        for component in value.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty, component != ".", component != ".." else {
                throw error(field, "'\(value)' must not contain empty, '.' or '..' components")
            }
        }
    }

    static func inputs(_ inputs: [InputRef], field: String) throws {
        guard inputs.count <= Limits.maxInputs else { throw error(field, "at most \(Limits.maxInputs) files") }
        var seen = Set<String>()
        for input in inputs {
            try path(input.path, field: "\(field).path")
            try digest(input.digest, field: "\(field).digest")
            try range(input.size, 0...Limits.maxFileBytes, field: "\(field).size")
            if let url = input.url {
                guard url.utf8.count <= Limits.maxURLLength, url.hasPrefix("http://") || url.hasPrefix("https://") else {
                    throw error("\(field).url", "must be an http(s) URL of at most \(Limits.maxURLLength) bytes")
                }
            }
            guard seen.insert(input.path).inserted else { throw error(field, "path '\(input.path)' appears twice") }
        }
    }

    static func image(_ image: ImageSpec, field: String) throws {
        try digest(image.digest, field: "\(field).digest")
        guard !image.command.isEmpty, image.command.count <= Limits.maxCommandArguments else {
            throw error("\(field).command", "needs 1 to \(Limits.maxCommandArguments) arguments")
        }
        for argument in image.command { try text(argument, field: "\(field).command", max: Limits.maxArgumentLength) }
        try environment(image.environment, field: "\(field).environment")
    }

    static func environment(_ entries: [String], field: String) throws {
        guard entries.count <= Limits.maxEnvironment else { throw error(field, "at most \(Limits.maxEnvironment) variables") }
        var keys = Set<String>()
        for entry in entries {
            try text(entry, field: field, max: Limits.maxArgumentLength)
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw error(field, "'\(entry.prefix(64))' is not KEY=VALUE")
            }
            let key = String(entry[..<equals])
            guard keys.insert(key).inserted else { throw error(field, "variable '\(key)' is set twice; set each once") }
        }
    }

    static func labels(_ labels: [String: String], field: String) throws {
        guard labels.count <= Limits.maxLabels else { throw error(field, "at most \(Limits.maxLabels) labels") }
        for (key, value) in labels {
            try name(key, field: "\(field) key")
            try text(value, field: "\(field).\(key)", max: Limits.maxLabelLength)
        }
    }

    /// What a request or a program may ask: positive cpu and memory, no more than the largest machine a worker may declare.
    static func taskResources(_ resources: Resources, field: String) throws {
        try range(resources.cpuMillicores, 1...Limits.maxCPUMillicores, field: "\(field).cpuMillicores")
        try range(resources.memoryBytes, 1...Limits.maxMemoryBytes, field: "\(field).memoryBytes")
        try range(resources.gpus, 0...Limits.maxGPUs, field: "\(field).gpus")
    }

    /// What a worker may declare: at most 4,096 cores, 64 TiB and 64 GPUs (docs/PROTOCOL.md "Bounds").
    static func workerCapacity(_ capacity: Resources, field: String) throws {
        try taskResources(capacity, field: field)
    }

    /// An amount of credits: positive and at most the supply bound.
    static func amount(_ value: MicroCredits, field: String) throws {
        try range(value, 1...Limits.maxSupply, field: field)
    }

    static func timeLimit(_ seconds: Seconds, field: String) throws {
        try range(seconds, 1...Limits.maxTimeLimitSeconds, field: field)
    }
}
