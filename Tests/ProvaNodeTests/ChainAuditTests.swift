import Foundation
import ProvaClient
import ProvaCore
import ProvaLedger
import ProvaNode
import ProvaTesting
import Testing

/// Anyone can check a node's history (docs/PROTOCOL.md "Beacon"): `prova chain verify` replays every block from the
/// genesis over HTTP; a block whose beacon was forged, replayed from another height or proved by another key is refused.
@Suite("Auditing a chain over HTTP", .tags(.integration))
struct ChainAuditTests {
    /// A live node with some history: transfers, a deployed program and a request whose prover a later block drew.
    static func withHistory<T: Sendable>(_ body: @Sendable (LiveNode) async throws -> T) async throws -> T {
        try await LiveNode.with { live in
            let program = Fixtures.program("audit")
            _ = try await live.client.send(.deployProgram(program), signedBy: live.user)
            _ = try await live.client.send(.requestProof(RequestProof(program: program.programID, inputs: [Fixtures.input("in.json")],
                                                                      resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib),
                                                                      timeLimitSeconds: 60)), signedBy: live.user)
            _ = try await live.client.send(.transfer(Transfer(to: live.workers[0].address, amount: 5)), signedBy: live.user)
            return try await body(live)
        }
    }

    @Test("the node's blocks replay from its genesis to its state digest; a tampered beacon served over HTTP is refused")
    func replayAndRefuse() async throws {
        try await Self.withHistory { live in
            let status = try await live.client.status()
            let genesis = try await live.client.genesis()
            #expect(genesis.hash == status.genesisHash)
            let honest = try await ChainAudit.replay(genesis: genesis, through: status.height) { try await live.client.block(height: $0).block }
            #expect(honest.height == status.height)
            let replayedDigest = try await live.client.block(height: status.height).block.header.stateDigest
            #expect(honest.stateDigest == replayedDigest)

            let target: UInt64 = 2
            let previous = try await live.client.block(height: target - 1).block
            let outsider = AccountKey(deterministicFrom: "audit-outsider")
            let forgeries: [(String, ErrorCode, (inout Block) -> Void)] = [
                ("random bytes", .badBeacon, { $0.header.beacon = String(repeating: "cd", count: 64) }),
                ("the previous block's beacon, replayed", .badBeacon, {
                    $0.header.beacon = previous.header.beacon
                    $0.header.beaconProof = previous.header.beaconProof
                }),
                ("another key's valid beacon", .unknownProposer, { block in
                    let made = Beacon.make(by: outsider, previous: previous.header.beacon, height: target)
                    block.header.proposer = outsider.publicKeyHex
                    block.header.beacon = made.beacon
                    block.header.beaconProof = made.proof
                }),
            ]
            for (name, code, forge) in forgeries {
                let refused = await #expect(throws: LedgerError.self, "\(name)") {
                    _ = try await ChainAudit.replay(genesis: genesis, through: status.height) { height in
                        var block = try await live.client.block(height: height).block
                        if height == target { forge(&block) }
                        return block
                    }
                }
                #expect(refused?.code == code, "\(name): \(String(describing: refused))")
                #expect(refused?.message.contains("block \(target)") == true)
            }
        }
    }

    @Test("prova chain verify checks a live node's chain; a genesis hash the node does not have is refused")
    func command() async throws {
        try await Self.withHistory { live in
            let status = try await live.client.status()
            let output = try await NodeProcess.run(["chain", "verify", "--node", live.url, "--genesis-hash", status.genesisHash, "--json"])
            let verified = try JSONDecoder().decode(ChainVerificationJSON.self, from: Data(output.utf8))
            #expect(verified.genesisHash == status.genesisHash)
            #expect(verified.height >= status.height)
            let wrong = String(repeating: "0", count: 64)
            await #expect(throws: TestFailure.self) { _ = try await NodeProcess.run(["chain", "verify", "--node", live.url, "--genesis-hash", wrong]) }
        }
    }
}

/// What `prova chain verify --json` prints.
struct ChainVerificationJSON: Decodable {
    var genesisHash: String
    var height: UInt64
    var stateDigest: String
}
