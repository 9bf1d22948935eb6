import Foundation
import ProvaCore

/// A program's command given as one option value: split on whitespace (`"/bin/prove --fast"`), or, when an argument
/// itself holds spaces, a JSON array of strings (`'["/bin/sh", "-c", "prove --in /input"]'`). No shell quoting rules.
public enum ProgramCommandLine {
    public static func parse(_ text: String, option: String = "--prover-command") throws -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let arguments: [String]
        if trimmed.hasPrefix("[") {
            do { arguments = try JSONDecoder().decode([String].self, from: Data(trimmed.utf8)) } catch {
                throw ClientError(.badOption, "\(option): '\(text)' starts with '[' but is not a JSON array of strings, e.g. [\"/bin/sh\",\"-c\",\"prove\"]")
            }
        } else {
            arguments = trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        guard !arguments.isEmpty, !arguments[0].isEmpty else {
            throw ClientError(.badOption, "\(option) is empty; give the program to run, e.g. \(option) \"/usr/bin/prove --fast\"")
        }
        return arguments
    }
}
