public import ProvaCore
public import ProvaLedger

/// A kind of machine a worker runs on. The two of DESIGN §6 (the seed's CPU node and GPU node) and two
/// smaller ones that small operators run, all with the same memory per core as their big sibling.
public struct NodeType: Sendable, Hashable, Codable {
    public var name: String
    public var capacity: Resources

    public init(name: String, capacity: Resources) { self.name = name; self.capacity = capacity }

    public static let cpuSmall = NodeType(name: "cpu-16", capacity: Resources(cpuMillicores: 16_000, memoryBytes: 128 * Units.gib))
    /// DESIGN §6: 96 cores, 768 GiB.
    public static let cpuNode = NodeType(name: "cpu-96", capacity: Resources(cpuMillicores: 96_000, memoryBytes: 768 * Units.gib))
    public static let gpuSingle = NodeType(name: "gpu-1", capacity: Resources(cpuMillicores: 32_000, memoryBytes: 190 * Units.gib, gpus: 1))
    /// DESIGN §6: 64 cores, 380 GiB, 2 GPUs.
    public static let gpuNode = NodeType(name: "gpu-2", capacity: Resources(cpuMillicores: 64_000, memoryBytes: 380 * Units.gib, gpus: 2))

    public static let all: [NodeType] = [cpuSmall, cpuNode, gpuSingle, gpuNode]
}

/// One simulated worker: who owns it, what it declares, and the traits that drive its behaviour.
public struct SimWorker: Sendable, Hashable {
    public var index: Int
    public var address: Address
    public var operatorIndex: Int
    public var node: NodeType
    public var stake: MicroCredits
    /// Run time as a fraction of a reference machine's (≤ 1: faster). Large operators run tuned hardware.
    public var speed: Double
    /// Cost of running a job as a fraction of the list price: what the worker bids in the reverse auction.
    public var bid: Double
    /// Multiplies the configured failure rate for this worker (mean 1 over the fleet): most are reliable, a few are flaky.
    public var failureMultiplier: Double
    /// As a verifier, commits `valid` at once without running the verifier (`--lazy-verifiers`).
    public var lazy: Bool

    public init(index: Int, address: Address, operatorIndex: Int, node: NodeType, stake: MicroCredits, speed: Double, bid: Double, failureMultiplier: Double,
                lazy: Bool = false) {
        self.index = index; self.address = address; self.operatorIndex = operatorIndex; self.node = node; self.stake = stake
        self.speed = speed; self.bid = bid; self.failureMultiplier = failureMultiplier; self.lazy = lazy
    }
}

/// The operators and their workers.
public struct Fleet: Sendable {
    public var workers: [SimWorker]
    /// Number of workers each operator runs, by operator index (operator 0 is the largest).
    public var operatorSizes: [Int]
    public let indexByAddress: [Address: Int]

    public init(workers: [SimWorker], operatorCount: Int) {
        self.workers = workers
        var sizes = [Int](repeating: 0, count: operatorCount)
        for worker in workers where worker.operatorIndex < operatorCount { sizes[worker.operatorIndex] += 1 }
        operatorSizes = sizes
        var index: [Address: Int] = [:]
        for worker in workers { index[worker.address] = worker.index }
        indexByAddress = index
    }

    /// The simulator's worker addresses: 40 hex characters derived from the index (never a real key).
    public static func address(ofWorker index: Int) -> Address {
        String(SHA256Hex.of("prova-sim/worker/\(index)").prefix(40))
    }

    /// Builds `workers` workers for `operators` operators whose sizes follow Zipf's law (exponent 1): with 200
    /// operators the largest runs about 17 % of the workers and the ten largest about half; the long tail runs one or two each.
    /// Large operators run bigger machines, run them faster and cheaper (economies of scale) and stake more per machine;
    /// every operator stakes at least twice the minimum.
    public static func generate(workers count: Int, operators operatorCount: Int, minStake: MicroCredits, gpus: Bool = true, random: inout SeededGenerator) -> Fleet {
        let sizes = zipfSizes(total: count, operators: operatorCount)
        let largest = Double(sizes.first ?? 1)
        var workers: [SimWorker] = []
        workers.reserveCapacity(count)
        for (operatorIndex, size) in sizes.enumerated() {
            // 0 for a one-machine operator, 1 for the largest.
            let scale = largest > 1 ? SimMath.log(Double(size)) / SimMath.log(largest) : 0
            // Node mix: [cpu-16, cpu-96, gpu-1, gpu-2]; large operators favour the big nodes.
            let mix = gpus ? [0.30 - 0.25 * scale, 0.30 + 0.15 * scale, 0.20 - 0.15 * scale, 0.20 + 0.25 * scale]
                : [0.50 - 0.40 * scale, 0.50 + 0.40 * scale, 0, 0]
            // Stake per unit of capacity grows with operator size (capital is cheaper for the rich): √size.
            let wealth = SimMath.pow(Double(size), 0.5)
            for _ in 0..<size {
                let node = NodeType.all[random.weighted(mix)]
                let units = max(1, Int64((hourlyListPrice(node.capacity) + 99_999) / 100_000))
                // Twice the minimum per unit: an operator keeps a buffer, so that one penalty (a missed vote, a slashed
                // attempt) does not drop it below the minimum and out of the network until it registers again.
                let stake = 2 * minStake * units * Int64(wealth.rounded(.up))
                let speed = (1.0 - 0.3 * scale) * random.uniform(0.95, 1.05)
                let bid = min(1.0, (1.0 - 0.35 * scale) * 1.10 * random.uniform(0.95, 1.05))
                let flaky = random.bernoulli(0.2)
                let index = workers.count
                workers.append(SimWorker(index: index, address: address(ofWorker: index), operatorIndex: operatorIndex, node: node,
                                         stake: stake, speed: min(speed, 1.05), bid: bid, failureMultiplier: flaky ? 3.0 : 0.5))
            }
        }
        return Fleet(workers: workers, operatorCount: operatorCount)
    }

    /// Splits `total` workers over `operators` by Zipf weights 1/rank; every operator runs at least one.
    static func zipfSizes(total: Int, operators: Int) -> [Int] {
        guard operators > 0 else { return [] }
        let weights = (1...operators).map { 1.0 / Double($0) }
        let sum = weights.reduce(0, +)
        let spare = total - operators
        var sizes = weights.map { 1 + Int((Double(spare) * $0 / sum).rounded(.down)) }
        var remainder = total - sizes.reduce(0, +)
        var index = 0
        while remainder > 0 {
            sizes[index % operators] += 1
            remainder -= 1
            index += 1
        }
        return sizes
    }

    /// The hourly list price of a worker's declared capacity: the weight of its capacity in every share.
    public static func capacityValue(_ resources: Resources) -> Double {
        Double(hourlyListPrice(resources))
    }

    /// One hour of `resources` at the genesis prices. The simulator's node shapes are within the bounds, so a refusal
    /// here is a programming error (a node type made larger than any worker may declare).
    static func hourlyListPrice(_ resources: Resources) -> MicroCredits {
        do { return try Pricing.fee(resources, seconds: 3600, prices: .genesis) } catch {
            preconditionFailure("a simulated node of \(resources.summary) has no price: \(error)")
        }
    }
}
