import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore
import ProvaLedger
import ProvaNode

/// `prova chain`: check a node's history yourself.
struct ChainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "chain", abstract: "Check a chain's history against its genesis.",
                                                    subcommands: [ChainVerify.self])
}

struct ChainVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Replay a node's blocks from the genesis: proposers, VRF beacons, signatures, every rule, every state digest.",
        discussion: """
        Downloads the genesis and every block from the node and applies them with the ledger every validator runs. A \
        block whose beacon is forged, replayed or proved by a key the genesis does not list, or whose state digest does \
        not follow, stops the replay with the reason and exit code 1.

        Example:
          prova chain verify --node http://127.0.0.1:8545 --genesis-hash 3f1c…
        """)

    @OptionGroup var options: NodeOptions
    @Option(name: .customLong("genesis-hash"), help: "The genesis hash you trust; the node's genesis must have it.") var genesisHash: String?
    @Option(help: "Stop at this height (default: the node's height).") var to: UInt64?

    func run() async throws {
        try await reportingErrors {
            let client = try options.client()
            let genesis = try await client.genesis()
            if let genesisHash, genesisHash.lowercased() != genesis.hash {
                Output.standardError("error: the node's genesis hash is \(genesis.hash), not \(genesisHash): it serves another chain")
                throw ExitCode.failure
            }
            let nodeHeight = try await client.status().height
            let height = min(to ?? nodeHeight, nodeHeight)
            let quiet = options.json
            do {
                let result = try await ChainAudit.replay(genesis: genesis, through: height, block: { try await client.block(height: $0).block }) { done in
                    if !quiet && done % 1_000 == 0 { Output.standardError("verified \(done) of \(height) blocks") }
                }
                if options.json {
                    return try Output.json(ChainVerification(genesisHash: genesis.hash, height: result.height, transactions: result.transactions,
                                                             stateDigest: result.stateDigest, lastBeacon: result.lastBeacon))
                }
                Output.fields([
                    ("verified", "blocks 1–\(result.height) (\(result.transactions) transactions) from genesis \(genesis.hash.prefix(16))"),
                    ("proposers", genesis.validators.map { $0.publicKey.prefix(16) + "…" }.joined(separator: ", ")),
                    ("state digest", result.stateDigest),
                    ("last beacon", String(result.lastBeacon.prefix(32)) + "…"),
                ])
            } catch let error as LedgerError {
                Output.standardError("error: \(error.code.rawValue): \(error.message)")
                throw ExitCode.failure
            }
        }
    }
}

/// `prova chain verify --json`.
struct ChainVerification: Codable {
    var genesisHash: String
    var height: UInt64
    var transactions: Int
    var stateDigest: String
    var lastBeacon: String
}
