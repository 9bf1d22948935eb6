import Foundation
public import ProvaCore

/// Checks of human-unit options (`--cpus 1.5`, `--memory 2GiB`, `--time 5m`, `--amount 0.25`) that name the option
/// in the error, so a typo is reported before anything is sent.
public enum HumanUnits {
    public static func cpu(_ text: String, option: String = "--cpus") throws -> Millicores {
        try wrap(option) { try Units.parseCPU(text) }
    }

    public static func bytes(_ text: String, option: String = "--memory") throws -> ByteCount {
        try wrap(option) { try Units.parseBytes(text) }
    }

    public static func duration(_ text: String, option: String = "--time") throws -> Seconds {
        try wrap(option) { try Units.parseDuration(text) }
    }

    public static func gpus(_ text: String, option: String = "--gpus") throws -> Int64 {
        guard let count = Int64(text.trimmingCharacters(in: .whitespaces)), count >= 0, count <= 1024 else {
            throw ClientError(.badOption, "\(option): '\(text)' is not a whole number of GPUs; write e.g. 0, 1 or 8")
        }
        return count
    }

    /// `cpus`, `memory` and `gpus` together.
    public static func resources(cpus: String, memory: String, gpus: String = "0", prefix: String = "--") throws -> Resources {
        Resources(cpuMillicores: try cpu(cpus, option: "\(prefix)cpus"), memoryBytes: try bytes(memory, option: "\(prefix)memory"),
                  gpus: try self.gpus(gpus, option: "\(prefix)gpus"))
    }

    /// Credits with up to six decimals (`12`, `0.5`, `1.25cr`) or micro-credits (`34998µcr`, `34998ucr`), positive.
    public static func credits(_ text: String, option: String = "--amount") throws -> MicroCredits {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        let bad = ClientError(.badOption, "\(option): '\(text)' is not an amount; write credits with up to 6 decimals (e.g. 2.5) or micro-credits (e.g. 2500000ucr)")
        for suffix in ["µcr", "ucr"] where trimmed.hasSuffix(suffix) {
            guard let micro = MicroCredits(trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)), micro > 0 else { throw bad }
            return micro
        }
        let number = trimmed.hasSuffix("cr") ? String(trimmed.dropLast(2)).trimmingCharacters(in: .whitespaces) : trimmed
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts[0].allSatisfy(\.isASCIIDigit), let whole = MicroCredits(parts[0]) else { throw bad }
        var fraction: MicroCredits = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= 6, digits.allSatisfy(\.isASCIIDigit), let value = MicroCredits(digits) else { throw bad }
            fraction = value * Self.powerOfTen(6 - digits.count)
        }
        let (scaled, overflow) = whole.multipliedReportingOverflow(by: MicroCredit.perCredit)
        guard !overflow, scaled + fraction > 0 else { throw bad }
        return scaled + fraction
    }

    /// `34998` → `0.034998 cr (34998 µcr)`.
    public static func formatCredits(_ micro: MicroCredits) -> String {
        "\(Units.formatCredits(micro)) cr (\(micro) µcr)"
    }

    private static func powerOfTen(_ exponent: Int) -> MicroCredits {
        (0..<exponent).reduce(1) { value, _ in value * 10 }
    }

    private static func wrap<T>(_ option: String, _ parse: () throws -> T) throws -> T {
        do { return try parse() } catch let error as ProvaCoreError {
            throw ClientError(.badOption, "\(option): \(error.message)")
        }
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
