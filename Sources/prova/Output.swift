import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore

/// Printing: the API's JSON for `--json`, aligned `label: value` lines and tables for people.
enum Output {
    static func json(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(value)
        print(String(decoding: data, as: UTF8.self))
    }

    /// One JSON object per line (for streams).
    static func compactJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// `label: value` lines with the values aligned.
    static func fields(_ pairs: [(String, String?)]) {
        let present = pairs.compactMap { label, value in value.map { (label, $0) } }
        let width = present.map(\.0.count).max() ?? 0
        for (label, value) in present {
            print("\(label):".padding(toLength: width + 2, withPad: " ", startingAt: 0) + value)
        }
    }

    static func table(_ header: [String], _ rows: [[String]]) {
        guard !rows.isEmpty else { return }
        var widths = header.map(\.count)
        for row in rows { for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) } }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        print(line(header))
        for row in rows { print(line(row)) }
    }

    static func credits(_ micro: MicroCredits) -> String { HumanUnits.formatCredits(micro) }

    /// Block time (ms since 1970) as UTC.
    static func time(_ milliseconds: Milliseconds?) -> String? {
        guard let milliseconds else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(milliseconds) / 1000))
    }

    /// `83000` → `1:23`.
    static func clock(milliseconds: Milliseconds) -> String {
        let seconds = milliseconds / 1000
        if seconds >= 3600 { return String(format: "%d:%02d:%02d", seconds / 3600, seconds % 3600 / 60, seconds % 60) }
        return String(format: "%d:%02d", seconds / 60, seconds % 60)
    }

    static func short(_ id: String?) -> String {
        guard let id else { return "-" }
        return id.count > 12 ? String(id.prefix(12)) + "…" : id
    }

    static var stdoutIsTerminal: Bool { isatty(STDOUT_FILENO) == 1 }

    static func standardError(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Runs a command body so that every failure prints `error: <message>` on stderr and exits non-zero — never a
/// stack trace. Argument errors (`ValidationError`) go to ArgumentParser, which adds the usage.
func reportingErrors(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch let error as ValidationError {
        throw error
    } catch let error as ClientError {
        Output.standardError("error: \(error.message)")
        if let cause = error.cause, error.code != .nodeUnreachable { Output.standardError("  cause: \(cause)") }
        throw ExitCode.failure
    } catch let error as ProvaCoreError {
        Output.standardError("error: \(error.message)")
        throw ExitCode.failure
    } catch is CancellationError {
        Output.standardError("error: interrupted")
        throw ExitCode(130)
    } catch {
        Output.standardError("error: \(error)")
        throw ExitCode.failure
    }
}
