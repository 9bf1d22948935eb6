import Foundation
import ProvaCore

/// Node URLs as `--node` and `PROVA_NODE` take them: one URL, or several separated by commas
/// (`http://a:8545,http://b:8545`), validators of one chain that a client fails over between.
public enum NodeList {
    /// Splits and checks a comma-separated list. A single URL is checked exactly as `ProvaClient(node:)` always did;
    /// an empty item (`a,,b`, a trailing comma) or a URL given twice is refused with a message that says which.
    public static func parse(_ text: String) throws -> [String] {
        let items = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard items.count > 1 else { return [try normalized(text)] }
        return try validated(items, as: "'\(text)'")
    }

    /// Checks each URL (`http` or `https`, a host, no path) and that none is empty or repeated; returns them without
    /// surrounding spaces and trailing `/`, in the order given.
    public static func validated(_ urls: [String]) throws -> [String] {
        try validated(urls, as: "[\(urls.joined(separator: ", "))]")
    }

    private static func validated(_ urls: [String], as list: String) throws -> [String] {
        guard !urls.isEmpty else {
            throw ClientError(.badNodeUrl, "no node URL given; write e.g. http://127.0.0.1:8545")
        }
        var result: [String] = []
        var seen: Set<String> = []
        for (position, item) in urls.enumerated() {
            guard !item.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ClientError(.badNodeUrl, "the node list \(list) has an empty item (number \(position + 1)); separate URLs with single commas, e.g. http://a:8545,http://b:8545")
            }
            let url = try normalized(item)
            guard seen.insert(url.lowercased()).inserted else {
                throw ClientError(.badNodeUrl, "the node list \(list) names \(url) twice; name each node once")
            }
            result.append(url)
        }
        return result
    }

    /// One node's base URL without surrounding spaces and trailing `/`; `ClientError.badNodeURL` unless it is one.
    static func normalized(_ node: String) throws -> String {
        var trimmed = node.trimmingCharacters(in: .whitespaces)
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard let url = URL(string: trimmed), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty, url.path.isEmpty || url.path == "/" else {
            throw ClientError.badNodeURL(node)
        }
        return trimmed
    }
}
