/// Unit prices (DESIGN §6). Fees are integer µcr, rounded up.
public struct PriceSchedule: Codable, Sendable, Hashable {
    public var cpuCoreHour: MicroCredits
    public var memoryGiBHour: MicroCredits
    public var gpuHour: MicroCredits

    public init(cpuCoreHour: MicroCredits, memoryGiBHour: MicroCredits, gpuHour: MicroCredits) {
        self.cpuCoreHour = cpuCoreHour
        self.memoryGiBHour = memoryGiBHour
        self.gpuHour = gpuHour
    }

    /// The genesis prices, chosen so the seed's published figures hold exactly.
    public static let genesis = PriceSchedule(cpuCoreHour: 3_177, memoryGiBHour: 397, gpuHour: 242_880)
}

/// A firm price for a request, with its breakdown. Every component is exact; only `perSlot` is rounded (up).
public struct Quote: Codable, Sendable, Hashable {
    public var resources: Resources
    public var timeLimitSeconds: Seconds
    public var redundancy: Int64
    /// Price of one attempt slot, rounded up to a whole µcr.
    public var perSlot: MicroCredits
    /// `perSlot × redundancy`, the amount escrowed by `RequestProof`.
    public var total: MicroCredits
    /// Unrounded shares of `perSlot`, rounded up each for display (they may sum to one more than `perSlot`).
    public var cpu: MicroCredits
    public var memory: MicroCredits
    public var gpu: MicroCredits
    public var prices: PriceSchedule
}

public enum Pricing {
    /// One hour of resources, exact in units of µcr / (1000 × 2^30) so nothing is rounded before the end.
    private static func scaledHourly(_ resources: Resources, _ prices: PriceSchedule) -> (cpu: UInt128, memory: UInt128, gpu: UInt128) {
        let gib = UInt128(Units.gib)
        let cpu = UInt128(max(resources.cpuMillicores, 0)) * UInt128(prices.cpuCoreHour) * gib
        let memory = UInt128(max(resources.memoryBytes, 0)) * UInt128(prices.memoryGiBHour) * 1000
        let gpu = UInt128(max(resources.gpus, 0)) * UInt128(prices.gpuHour) * 1000 * gib
        return (cpu, memory, gpu)
    }

    private static func ceilDiv(_ numerator: UInt128, _ denominator: UInt128) -> MicroCredits {
        let value = (numerator + denominator - 1) / denominator
        return value > UInt128(Int64.max) ? Int64.max : Int64(value)
    }

    /// Fee of one attempt slot: Σ resource × unit price × time limit, rounded up.
    public static func fee(_ resources: Resources, seconds: Seconds, prices: PriceSchedule) -> MicroCredits {
        let parts = scaledHourly(resources, prices)
        let denominator = UInt128(1000) * UInt128(Units.gib) * 3600
        return ceilDiv((parts.cpu + parts.memory + parts.gpu) * UInt128(max(seconds, 0)), denominator)
    }

    public static func quote(_ resources: Resources, seconds: Seconds, redundancy: Int64 = 1, prices: PriceSchedule) -> Quote {
        let parts = scaledHourly(resources, prices)
        let denominator = UInt128(1000) * UInt128(Units.gib) * 3600
        let time = UInt128(max(seconds, 0))
        let perSlot = fee(resources, seconds: seconds, prices: prices)
        let (total, overflow) = perSlot.multipliedReportingOverflow(by: max(redundancy, 1))
        return Quote(
            resources: resources, timeLimitSeconds: seconds, redundancy: redundancy,
            perSlot: perSlot, total: overflow ? Int64.max : total,
            cpu: ceilDiv(parts.cpu * time, denominator), memory: ceilDiv(parts.memory * time, denominator),
            gpu: ceilDiv(parts.gpu * time, denominator), prices: prices)
    }

    /// `amount × basisPoints / 10000`, rounded down (the remainder stays with whoever pays the rest).
    public static func share(_ amount: MicroCredits, basisPoints: Int64) -> MicroCredits {
        Int64((Int128(amount) * Int128(basisPoints)) / 10_000)
    }
}
