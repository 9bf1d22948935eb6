import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore

/// `--node` and `--json`, shared by every command that talks to a node.
struct NodeOptions: ParsableArguments {
    @Option(help: ArgumentHelp(NodeOptions.nodeHelp, valueName: "url[,url…]"))
    var node: String?

    @Flag(help: "Print the API's JSON instead of text.")
    var json = false

    static let nodeHelp = "URL of the Prova node, or several validators of one chain separated by commas to fail over between (default: $PROVA_NODE, then \(ProvaClient.defaultNode))."

    /// The node URL (or comma-separated list) chosen by flag, then environment, then default.
    var resolvedNode: String {
        if let node, !node.isEmpty { return node }
        if let fromEnvironment = ProcessInfo.processInfo.environment["PROVA_NODE"], !fromEnvironment.isEmpty { return fromEnvironment }
        return ProvaClient.defaultNode
    }

    func client() throws -> ProvaClient {
        try ProvaClient(node: resolvedNode)
    }
}

/// `--key NAME`: the signing key, from the key store (`prova keys list`).
struct KeyOption: ParsableArguments {
    @Option(help: ArgumentHelp("Name of the signing key in the key store ($PROVA_HOME/keys; see `prova keys list`).", valueName: "name"))
    var key: String

    func load() throws -> AccountKey {
        try KeyStore.standard().load(key)
    }
}
