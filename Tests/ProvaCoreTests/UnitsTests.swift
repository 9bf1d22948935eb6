import ProvaCore
import ProvaTesting
import Testing

@Suite("Units", .tags(.unit))
struct UnitsTests {
    @Test("CPU: whole cores, fractional cores and millicores", arguments: [("32", 32_000), ("500m", 500), ("1.5", 1_500), ("2", 2_000)])
    func cpu(text: String, millicores: Int64) throws {
        #expect(try Units.parseCPU(text) == millicores)
    }

    @Test("memory: SI and binary suffixes", arguments: [
        ("190GB", 190_000_000_000), ("190GiB", 190 * 1_073_741_824), ("512MiB", 512 * 1_048_576), ("1.5GiB", 1_610_612_736),
        ("1024", 1024), ("2Gi", 2_147_483_648), ("4KB", 4000),
    ] as [(String, Int64)])
    func memory(text: String, bytes: Int64) throws {
        #expect(try Units.parseBytes(text) == bytes)
    }

    @Test("durations", arguments: [("90s", 90), ("5m", 300), ("2h", 7200), ("45", 45), ("1d", 86400)] as [(String, Int64)])
    func duration(text: String, seconds: Int64) throws {
        #expect(try Units.parseDuration(text) == seconds)
    }

    @Test("bad units are refused with a hint", arguments: ["", "abc", "-1", "0", "1.0001m", "12XB", "5 parsecs", "1.5.2"])
    func refusals(text: String) {
        #expect(throws: ProvaCoreError.self) { try Units.parseCPU(text) }
        #expect(throws: ProvaCoreError.self) { try Units.parseBytes(text) }
        #expect(throws: ProvaCoreError.self) { try Units.parseDuration(text) }
    }

    @Test("a sub-second duration is refused rather than rounded")
    func subSecond() {
        #expect(throws: ProvaCoreError.self) { try Units.parseDuration("500ms") }
        #expect(throws: ProvaCoreError.self) { try Units.parseDuration("0.5s") }
    }

    @Test("formatting")
    func formatting() {
        #expect(Units.formatCredits(34_998) == "0.034998")
        #expect(Units.formatCredits(-1_500_000) == "-1.500000")
        #expect(Units.formatBytes(190 * Units.gib) == "190GiB")
        #expect(Units.formatCPU(1500) == "1500m")
        #expect(Units.formatDuration(300) == "5m")
    }
}

@Suite("Pricing", .tags(.unit))
struct PricingTests {
    let gib = Units.gib

    @Test("the seed's published prices hold exactly")
    func seedPrices() throws {
        let prices = PriceSchedule.genesis
        #expect(try Pricing.fee(Resources(cpuMillicores: 32_000, memoryBytes: 190 * gib, gpus: 1), seconds: 300, prices: prices) == 34_998)
        #expect(try Pricing.fee(Resources(cpuMillicores: 96_000, memoryBytes: 760 * gib), seconds: 600, prices: prices) == 101_119)
        #expect(try Pricing.fee(Resources(cpuMillicores: 64_000, memoryBytes: 380 * gib, gpus: 2), seconds: 3600, prices: prices) == 839_948)
        #expect(try Pricing.fee(Resources(cpuMillicores: 96_000, memoryBytes: 768 * gib), seconds: 3600, prices: prices) == 609_888)
    }

    @Test("fees round up to a whole µcr and scale with redundancy")
    func roundingAndRedundancy() throws {
        let quote = try Pricing.quote(Resources(cpuMillicores: 1, memoryBytes: 1), seconds: 1, redundancy: 3, prices: .genesis)
        #expect(quote.perSlot == 1)
        #expect(quote.total == 3)
        let seed = try Pricing.quote(Resources(cpuMillicores: 32_000, memoryBytes: 190 * gib, gpus: 1), seconds: 300, redundancy: 2, prices: .genesis)
        #expect(seed.total == 69_996)
        #expect(seed.cpu == 8_472)
        #expect(seed.gpu == 20_240)
    }

    @Test("a fee beyond the supply is refused, never a trap, whatever the input")
    func feesNeverOverflow() {
        let absurd = Resources(cpuMillicores: .max, memoryBytes: .max, gpus: .max)
        #expect(throws: ProvaCoreError.self) { try Pricing.fee(absurd, seconds: .max, prices: .genesis) }
        #expect(throws: ProvaCoreError.self) { try Pricing.quote(absurd, seconds: 1, prices: .genesis) }
        let largest = Resources(cpuMillicores: Limits.maxCPUMillicores, memoryBytes: Limits.maxMemoryBytes, gpus: Limits.maxGPUs)
        #expect(throws: ProvaCoreError.self) {
            try Pricing.quote(largest, seconds: Limits.maxTimeLimitSeconds, redundancy: .max, prices: .genesis)
        }
        let prices = PriceSchedule(cpuCoreHour: .max, memoryGiBHour: .max, gpuHour: .max)
        #expect(throws: ProvaCoreError.self) { try Pricing.fee(largest, seconds: Limits.maxTimeLimitSeconds, prices: prices) }
        // The largest request within the bounds is priced.
        #expect(throws: Never.self) { try Pricing.quote(largest, seconds: Limits.maxTimeLimitSeconds, redundancy: Limits.maxRedundancy, prices: .genesis) }
        #expect(Pricing.share(.max, basisPoints: 10_000) == .max)
    }

    @Test("shares round down")
    func shares() {
        #expect(Pricing.share(34_998, basisPoints: 8_500) == 29_748)
        #expect(Pricing.share(101, basisPoints: 1_000) == 10)
    }
}
