/// Units (DESIGN §2): CPU in millicores, memory in bytes, GPUs as a whole count,
/// time in seconds (block time in milliseconds), money in micro-credits.
/// One unit per quantity, named in every field, so nothing is ever compared across units.
public typealias Millicores = Int64
public typealias ByteCount = Int64
public typealias Seconds = Int64
public typealias Milliseconds = Int64
public typealias MicroCredits = Int64

public enum MicroCredit {
    /// 1 credit = 1 USD = 1,000,000 µcr.
    public static let perCredit: MicroCredits = 1_000_000
}

/// Resources a task asks for or a worker declares.
public struct Resources: Codable, Sendable, Hashable {
    public var cpuMillicores: Millicores
    public var memoryBytes: ByteCount
    public var gpus: Int64

    public init(cpuMillicores: Millicores, memoryBytes: ByteCount, gpus: Int64 = 0) {
        self.cpuMillicores = cpuMillicores
        self.memoryBytes = memoryBytes
        self.gpus = gpus
    }

    public static let zero = Resources(cpuMillicores: 0, memoryBytes: 0, gpus: 0)

    /// True when every component of `self` is at most the matching one of `other`.
    public func fits(in other: Resources) -> Bool {
        cpuMillicores <= other.cpuMillicores && memoryBytes <= other.memoryBytes && gpus <= other.gpus
    }

    public static func + (lhs: Resources, rhs: Resources) -> Resources {
        Resources(cpuMillicores: lhs.cpuMillicores + rhs.cpuMillicores, memoryBytes: lhs.memoryBytes + rhs.memoryBytes, gpus: lhs.gpus + rhs.gpus)
    }

    public static func - (lhs: Resources, rhs: Resources) -> Resources {
        Resources(cpuMillicores: lhs.cpuMillicores - rhs.cpuMillicores, memoryBytes: lhs.memoryBytes - rhs.memoryBytes, gpus: lhs.gpus - rhs.gpus)
    }

    public var isNonNegative: Bool { cpuMillicores >= 0 && memoryBytes >= 0 && gpus >= 0 }

    public var summary: String {
        "\(Units.formatCPU(cpuMillicores)) CPU, \(Units.formatBytes(memoryBytes)), \(gpus) GPU"
    }
}

/// Parsing and formatting of human units, as the CLI and the HTTP API accept them.
public enum Units {
    public static let kib: Int64 = 1024
    public static let mib: Int64 = 1024 * 1024
    public static let gib: Int64 = 1024 * 1024 * 1024
    public static let tib: Int64 = 1024 * 1024 * 1024 * 1024

    /// `32` → 32 cores, `1.5` → 1500m, `500m` → 500 millicores.
    public static func parseCPU(_ text: String) throws -> Millicores {
        let trimmed = text.trimmingSpaces()
        if trimmed.hasSuffix("m") {
            guard let value = Int64(trimmed.dropLast()), value > 0 else {
                throw ProvaCoreError(.badCpu, "CPU '\(text)' is not a positive whole number of millicores; write e.g. 500m or 2")
            }
            return value
        }
        guard let value = parseDecimal(trimmed, scale: 1000), value > 0 else {
            throw ProvaCoreError(.badCpu, "CPU '\(text)' is not understood; write cores (2, 1.5) or millicores (500m)")
        }
        return value
    }

    /// Bytes with SI (`KB`, `MB`, `GB`, `TB`, also `K`/`M`/`G`/`T`: powers of 1000) or binary
    /// (`KiB`, `MiB`, `GiB`, `TiB`: powers of 1024) suffixes, as Kubernetes reads them; a bare number is bytes.
    public static func parseBytes(_ text: String) throws -> ByteCount {
        let trimmed = text.trimmingSpaces()
        let suffixes: [(String, Int64)] = [
            ("KiB", kib), ("MiB", mib), ("GiB", gib), ("TiB", tib),
            ("Ki", kib), ("Mi", mib), ("Gi", gib), ("Ti", tib),
            ("KB", 1000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
            ("K", 1000), ("M", 1_000_000), ("G", 1_000_000_000), ("T", 1_000_000_000_000),
            ("B", 1),
        ]
        for (suffix, multiplier) in suffixes where trimmed.hasSuffix(suffix) {
            let number = String(trimmed.dropLast(suffix.count)).trimmingSpaces()
            guard let value = parseDecimal(number, scale: multiplier), value > 0 else { break }
            return value
        }
        if let value = Int64(trimmed), value > 0 { return value }
        throw ProvaCoreError(.badMemory, "size '\(text)' is not understood; write e.g. 512MiB, 2GiB or 190GB (GB = 10^9 bytes, GiB = 2^30)")
    }

    /// `90s`, `5m`, `2h`, `1d`, or a bare number of seconds.
    public static func parseDuration(_ text: String) throws -> Seconds {
        let trimmed = text.trimmingSpaces()
        let suffixes: [(String, Int64)] = [("ms", 0), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400)]
        for (suffix, multiplier) in suffixes where trimmed.hasSuffix(suffix) {
            if multiplier == 0 { break }
            guard let value = parseDecimal(String(trimmed.dropLast(suffix.count)), scale: multiplier), value > 0 else { break }
            return value
        }
        if let value = Int64(trimmed), value > 0 { return value }
        throw ProvaCoreError(.badDuration, "duration '\(text)' is not understood; write whole seconds or minutes, e.g. 90s, 5m, 2h")
    }

    /// Parses `whole[.fraction]` times `scale` exactly; nil if the result is not a whole number or overflows.
    static func parseDecimal(_ text: String, scale: Int64) -> Int64? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = Int64(parts[0]), whole >= 0 else { return nil }
        let (scaledWhole, overflow) = whole.multipliedReportingOverflow(by: scale)
        guard !overflow else { return nil }
        guard parts.count == 2 else { return scaledWhole }
        let fraction = parts[1]
        guard !fraction.isEmpty, fraction.count <= 18, fraction.allSatisfy(\.isASCII), let digits = Int64(fraction) else { return nil }
        var divisor: Int64 = 1
        for _ in 0..<fraction.count { divisor *= 10 }
        let product = Int128(digits) * Int128(scale)
        guard product % Int128(divisor) == 0 else { return nil }
        let (total, overflow2) = scaledWhole.addingReportingOverflow(Int64(product / Int128(divisor)))
        return overflow2 ? nil : total
    }

    public static func formatCPU(_ millicores: Millicores) -> String {
        millicores % 1000 == 0 ? "\(millicores / 1000) cores" : "\(millicores)m"
    }

    public static func formatBytes(_ bytes: ByteCount) -> String {
        for (suffix, unit) in [("TiB", tib), ("GiB", gib), ("MiB", mib), ("KiB", kib)] where bytes >= unit && bytes % unit == 0 {
            return "\(bytes / unit)\(suffix)"
        }
        return "\(bytes)B"
    }

    public static func formatDuration(_ seconds: Seconds) -> String {
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }

    /// µcr as credits with six decimals: 34998 → "0.034998".
    public static func formatCredits(_ micro: MicroCredits) -> String {
        let sign = micro < 0 ? "-" : ""
        let magnitude = micro.magnitude
        let fraction = String(magnitude % 1_000_000)
        return "\(sign)\(magnitude / 1_000_000).\(String(repeating: "0", count: 6 - fraction.count))\(fraction)"
    }
}

extension String {
    func trimmingSpaces() -> String {
        var slice = Substring(self)
        while slice.first?.isWhitespace == true { slice.removeFirst() }
        while slice.last?.isWhitespace == true { slice.removeLast() }
        return String(slice)
    }
}

extension Int64 {
    /// `self + other`, held at `Int64.max` instead of trapping: for counters shown to users (a worker's lifetime
    /// earnings), never for balances, which the supply bound keeps exact.
    public func saturatingAdd(_ other: Int64) -> Int64 {
        let (sum, overflow) = addingReportingOverflow(other)
        return overflow ? (other > 0 ? .max : .min) : sum
    }
}
