public import ProvaCore
public import ProvaLedger

/// One kind of request in the workload mix.
public struct TaskClass: Sendable, Hashable, Codable {
    public enum Shape: Sendable, Hashable, Codable {
        /// One RequestProof.
        case single
        /// A SubmitWorkflow: `segments` segment proofs, then a binary aggregation tree over them.
        case workflow(segments: Int, aggregation: Resources, aggregationSeconds: Seconds)
    }

    public var name: String
    public var resources: Resources
    public var timeLimitSeconds: Seconds
    public var redundancy: Int64
    public var shape: Shape
    /// Relative frequency within its stream (GPU classes and CPU classes are two streams, each loaded to the target).
    public var weight: Double

    public init(name: String, resources: Resources, timeLimitSeconds: Seconds, redundancy: Int64 = 1, shape: Shape = .single, weight: Double) {
        self.name = name; self.resources = resources; self.timeLimitSeconds = timeLimitSeconds
        self.redundancy = redundancy; self.shape = shape; self.weight = weight
    }

    public var usesGPU: Bool { resources.gpus > 0 }

    /// Ledger tasks one arrival of this class creates.
    public var taskCount: Int {
        switch shape {
        case .single: return 1
        case .workflow(let segments, _, _): return Workflows.stepCount(segments: segments)
        }
    }

    /// The mix of the study: small CPU jobs to whole GPU nodes, some redundancy, some workflows.
    /// CPU classes ask 8 GiB per core (a CPU node's ratio); GPU classes ask a GPU node's share per GPU.
    public static let standardMix: [TaskClass] = [
        TaskClass(name: "cpu-4", resources: Resources(cpuMillicores: 4_000, memoryBytes: 32 * Units.gib), timeLimitSeconds: 60, weight: 0.50),
        TaskClass(name: "cpu-16", resources: Resources(cpuMillicores: 16_000, memoryBytes: 128 * Units.gib), timeLimitSeconds: 180, weight: 0.28),
        TaskClass(name: "cpu-48", resources: Resources(cpuMillicores: 48_000, memoryBytes: 384 * Units.gib), timeLimitSeconds: 300, weight: 0.04),
        TaskClass(name: "cpu-4-x2", resources: Resources(cpuMillicores: 4_000, memoryBytes: 32 * Units.gib), timeLimitSeconds: 60, redundancy: 2, weight: 0.10),
        TaskClass(name: "workflow-4", resources: Resources(cpuMillicores: 8_000, memoryBytes: 64 * Units.gib), timeLimitSeconds: 60,
                  shape: .workflow(segments: 4, aggregation: Resources(cpuMillicores: 8_000, memoryBytes: 64 * Units.gib), aggregationSeconds: 30), weight: 0.08),
        TaskClass(name: "gpu-1", resources: Resources(cpuMillicores: 32_000, memoryBytes: 190 * Units.gib, gpus: 1), timeLimitSeconds: 300, weight: 0.95),
        TaskClass(name: "gpu-2", resources: Resources(cpuMillicores: 64_000, memoryBytes: 380 * Units.gib, gpus: 2), timeLimitSeconds: 600, weight: 0.05),
    ]
}

/// Shapes the workflows of the mix: N segment proofs, then pairs aggregated until one root remains.
public enum Workflows {
    public static func stepCount(segments: Int) -> Int {
        var count = segments
        var level = segments
        while level > 1 {
            level = (level + 1) / 2
            count += level
        }
        return count
    }

    /// The SubmitWorkflow body of one arrival of a workflow class.
    public static func body(for taskClass: TaskClass, program: ProgramID, input: InputRef, index: Int) -> SubmitWorkflow? {
        guard case .workflow(let segments, let aggregation, let aggregationSeconds) = taskClass.shape else { return nil }
        var steps: [WorkflowStep] = []
        var level: [String] = []
        for segment in 0..<segments {
            let name = "seg\(segment)"
            steps.append(WorkflowStep(name: name, program: program, inputs: [.file(input)], resources: taskClass.resources,
                                      timeLimitSeconds: taskClass.timeLimitSeconds, redundancy: taskClass.redundancy,
                                      environment: ["SEGMENT=\(segment)"]))
            level.append(name)
        }
        var depth = 0
        while level.count > 1 {
            var next: [String] = []
            for pair in stride(from: 0, to: level.count, by: 2) {
                let children = Array(level[pair..<min(pair + 2, level.count)])
                let name = "agg\(depth)-\(pair / 2)"
                steps.append(WorkflowStep(name: name, program: program, inputs: children.map { .output(ofStep: $0, path: "proof.bin") },
                                          resources: aggregation, timeLimitSeconds: aggregationSeconds))
                next.append(name)
            }
            level = next
            depth += 1
        }
        return SubmitWorkflow(name: "sim-\(index)", steps: steps)
    }
}

/// Poisson arrivals at the offered load, in two streams (CPU classes and GPU classes), each sized so that its
/// expected reservations fill `load` of the capacity it can use.
public struct Workload: Sendable {
    public let classes: [TaskClass]
    /// Arrivals per second of each stream.
    public let cpuRate: Double
    public let gpuRate: Double

    /// Expected seconds a prover holds its reservation beyond its run: about one block to accept, half a block to report.
    static func holdOverhead(blockInterval: Milliseconds) -> Double { 1.5 * Double(blockInterval) / 1000 }

    /// Rates for `load` on `fleet`. `meanRunFraction` is the expected run time over the time limit;
    /// `verifierSeconds` the expected time a verifier holds its reservation; `verifiers` per attempt.
    public init(classes: [TaskClass], load: Double, fleet: Fleet, meanRunFraction: Double, blockInterval: Milliseconds,
                verifierResources: Resources, verifierSeconds: Double, verifiers: Int) throws {
        self.classes = classes
        guard classes.contains(where: { !$0.usesGPU }) else {
            throw SimError(.badWorkload, "the mix needs at least one CPU class; add one to the workload")
        }
        var cores = 0.0, gpus = 0.0
        for worker in fleet.workers {
            let capacity = worker.node.capacity
            cores += Double(capacity.cpuMillicores) / 1000
            gpus += Double(capacity.gpus)
        }
        let overhead = Self.holdOverhead(blockInterval: blockInterval)
        let verifierCoreSeconds = Double(verifiers) * Double(verifierResources.cpuMillicores) / 1000 * verifierSeconds
        /// Expected (core-seconds, gpu-seconds) one arrival of a stream reserves, averaged over its classes.
        func demand(_ stream: [TaskClass]) -> (cores: Double, gpus: Double) {
            let total = stream.reduce(0) { $0 + $1.weight }
            guard total > 0 else { return (0, 0) }
            var coreSeconds = 0.0, gpuSeconds = 0.0
            for taskClass in stream {
                let share = taskClass.weight / total
                for (resources, seconds, copies) in Self.parts(of: taskClass) {
                    let hold = Double(seconds) * meanRunFraction + overhead
                    coreSeconds += share * Double(copies) * (Double(resources.cpuMillicores) / 1000 * hold + verifierCoreSeconds)
                    gpuSeconds += share * Double(copies) * Double(resources.gpus) * hold
                }
            }
            return (coreSeconds, gpuSeconds)
        }
        let gpuDemand = demand(classes.filter(\.usesGPU))
        let cpuDemand = demand(classes.filter { !$0.usesGPU })
        gpuRate = gpus > 0 && gpuDemand.gpus > 0 ? load * gpus / gpuDemand.gpus : 0
        // CPU classes take the cores GPU jobs leave: the whole load of the CPU fleet plus what GPU jobs leave on GPU nodes.
        let coresLeft = load * cores - gpuRate * gpuDemand.cores
        guard coresLeft > 0, cpuDemand.cores > 0 else {
            throw SimError(.badWorkload, "the GPU classes alone ask more cores than the fleet has at this load; lower --load or give GPU classes fewer cores")
        }
        cpuRate = coresLeft / cpuDemand.cores
    }

    /// (resources, time limit, copies) of every task one arrival creates.
    static func parts(of taskClass: TaskClass) -> [(Resources, Seconds, Int64)] {
        switch taskClass.shape {
        case .single:
            return [(taskClass.resources, taskClass.timeLimitSeconds, taskClass.redundancy)]
        case .workflow(let segments, let aggregation, let seconds):
            let aggregations = Workflows.stepCount(segments: segments) - segments
            return [(taskClass.resources, taskClass.timeLimitSeconds, Int64(segments) * taskClass.redundancy), (aggregation, seconds, Int64(aggregations))]
        }
    }

    /// Expected ledger tasks per arrival, over both streams.
    public var tasksPerSecond: Double {
        func perArrival(_ stream: [TaskClass]) -> Double {
            let total = stream.reduce(0) { $0 + $1.weight }
            return total > 0 ? stream.reduce(0) { $0 + $1.weight / total * Double($1.taskCount) } : 0
        }
        return cpuRate * perArrival(classes.filter { !$0.usesGPU }) + gpuRate * perArrival(classes.filter(\.usesGPU))
    }

    /// Draws the arrivals of one block interval `(from, to]` (ms): their times and class indices, in time order.
    public func arrivals(from: Milliseconds, to: Milliseconds, random: inout SeededGenerator) -> [(time: Milliseconds, classIndex: Int)] {
        var result: [(time: Milliseconds, classIndex: Int)] = []
        let seconds = Double(to - from) / 1000
        for gpuStream in [false, true] {
            let rate = gpuStream ? gpuRate : cpuRate
            guard rate > 0 else { continue }
            let members = classes.indices.filter { classes[$0].usesGPU == gpuStream }
            let weights = members.map { classes[$0].weight }
            var t = random.exponential(mean: 1 / rate)
            while t < seconds {
                let time = from + 1 + Milliseconds(t * 1000)
                result.append((min(time, to), members[random.weighted(weights)]))
                t += random.exponential(mean: 1 / rate)
            }
        }
        result.sort { $0.time < $1.time || ($0.time == $1.time && $0.classIndex < $1.classIndex) }
        return result
    }
}
