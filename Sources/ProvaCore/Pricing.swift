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
        // Every factor is at most 2^63 and there are at most four of them below 2^128 together once shapes and prices
        // are within their bounds (docs/PROTOCOL.md "Bounds"); `multipliedReportingOverflow` keeps even unbounded
        // input from trapping (it saturates, and the result is then refused as larger than the supply).
        func product(_ factors: [UInt128]) -> UInt128 {
            factors.reduce(1) { total, factor in
                let (value, overflow) = total.multipliedReportingOverflow(by: factor)
                return overflow ? .max : value
            }
        }
        let cpu = product([UInt128(max(resources.cpuMillicores, 0)), UInt128(max(prices.cpuCoreHour, 0)), gib])
        let memory = product([UInt128(max(resources.memoryBytes, 0)), UInt128(max(prices.memoryGiBHour, 0)), 1000])
        let gpu = product([UInt128(max(resources.gpus, 0)), UInt128(max(prices.gpuHour, 0)), 1000, gib])
        return (cpu, memory, gpu)
    }

    private static let hourDenominator = UInt128(1000) * UInt128(Units.gib) * 3600

    /// `⌈numerator × seconds / (1000 × 2^30 × 3600)⌉`, or nil when it is beyond the supply bound.
    private static func scaled(_ numerator: UInt128, seconds: Seconds) -> MicroCredits? {
        let (timed, overflow) = numerator.multipliedReportingOverflow(by: UInt128(max(seconds, 0)))
        guard !overflow else { return nil }
        let value = timed / hourDenominator + (timed % hourDenominator == 0 ? 0 : 1)
        return value > UInt128(Limits.maxSupply) ? nil : MicroCredits(value)
    }

    private static func sum(_ parts: (cpu: UInt128, memory: UInt128, gpu: UInt128)) -> UInt128 {
        let (first, overflowA) = parts.cpu.addingReportingOverflow(parts.memory)
        let (total, overflowB) = first.addingReportingOverflow(parts.gpu)
        return overflowA || overflowB ? .max : total
    }

    static func overflow(_ resources: Resources, seconds: Seconds) -> ProvaCoreError {
        ProvaCoreError(.feeOverflow, "the fee for \(resources.summary) for \(Units.formatDuration(seconds)) is larger than the whole supply of credits; ask for less")
    }

    /// Fee of one attempt slot: Σ resource × unit price × time limit, rounded up. Throws `fee_overflow` when the fee
    /// would exceed the supply bound (`Limits.maxSupply`) — never a trap, whatever the input.
    public static func fee(_ resources: Resources, seconds: Seconds, prices: PriceSchedule) throws -> MicroCredits {
        guard let fee = scaled(sum(scaledHourly(resources, prices)), seconds: seconds) else { throw overflow(resources, seconds: seconds) }
        return fee
    }

    /// A firm price: the fee per slot, the total for `redundancy` slots, and the breakdown. Throws `fee_overflow` when
    /// any of them would exceed the supply bound.
    public static func quote(_ resources: Resources, seconds: Seconds, redundancy: Int64 = 1, prices: PriceSchedule) throws -> Quote {
        let parts = scaledHourly(resources, prices)
        let perSlot = try fee(resources, seconds: seconds, prices: prices)
        let (total, overflow) = perSlot.multipliedReportingOverflow(by: max(redundancy, 1))
        guard !overflow, total <= Limits.maxSupply, let cpu = scaled(parts.cpu, seconds: seconds),
              let memory = scaled(parts.memory, seconds: seconds), let gpu = scaled(parts.gpu, seconds: seconds) else {
            throw self.overflow(resources, seconds: seconds)
        }
        return Quote(resources: resources, timeLimitSeconds: seconds, redundancy: redundancy, perSlot: perSlot, total: total,
                     cpu: cpu, memory: memory, gpu: gpu, prices: prices)
    }

    /// `amount × basisPoints / 10000`, rounded down (the remainder stays with whoever pays the rest).
    public static func share(_ amount: MicroCredits, basisPoints: Int64) -> MicroCredits {
        // |amount| ≤ 2^63 and basis points ≤ 10000: the product fits in Int128 and the quotient back in Int64.
        MicroCredits(truncatingIfNeeded: (Int128(amount) * Int128(basisPoints)) / 10_000)
    }
}
