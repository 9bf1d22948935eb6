import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// The rules that let several validators share one chain (docs/CONSENSUS.md): a block is signed by its proposer, the
/// proposer's turn in the height's random order has come, and its transactions are committed by a Merkle root.
@Suite("Proposer rules", .tags(.unit))
struct ProposerRuleTests {
    static let validatorKeys = (0..<3).map { AccountKey(deterministicFrom: "validator-\($0)") }

    static func clusterGenesis() -> Genesis {
        Genesis(chainID: "prova-cluster", timestampMilliseconds: 1_700_000_000_000,
                validators: validatorKeys.enumerated().map { Genesis.Validator(key: $1, url: "http://127.0.0.1:\(8545 + $0)") },
                authority: user.address, accounts: [Genesis.FundedAccount(address: user.address, balance: 1_000_000_000)],
                capacityTestProgram: Fixtures.capacityTestProgram)
    }

    static func key(of publicKey: String) throws -> AccountKey {
        try #require(validatorKeys.first { $0.publicKeyHex == publicKey })
    }

    @Test("the first validator of a height's order proposes at once; the next only a timeout later, and a follower refuses it earlier")
    func turns() throws {
        var proposer = try Ledger(genesis: Self.clusterGenesis())
        var follower = try Ledger(genesis: Self.clusterGenesis())
        let timeout = proposer.state.parameters.proposerTimeoutMilliseconds
        for _ in 0..<6 {
            let order = proposer.proposerOrder
            #expect(Set(order) == Set(Self.validatorKeys.map(\.publicKeyHex)))
            let parent = proposer.state.lastTimestampMilliseconds
            let second = try Self.key(of: order[1])
            // Out of turn: refused by the proposer's own ledger, and a block it signed anyway is refused by followers.
            #expect(throws: LedgerError.self) { var copy = proposer; _ = try copy.propose([], timestampMilliseconds: parent + 100, proposer: second) }
            #expect(proposer.earliestTimestamp(proposedBy: order[1]) == parent + timeout)
            #expect(proposer.earliestTimestamp(proposedBy: order[2]) == parent + 2 * timeout)
            // The second validator's turn: its block is accepted by a follower.
            let block = try proposer.propose([], timestampMilliseconds: parent + timeout, proposer: second).block
            _ = try follower.apply(block)
            #expect(follower.state == proposer.state)
        }
        // The order changes with the beacon: over a few heights, more than one validator is first.
        var firsts = Set<String>()
        for _ in 0..<12 {
            let first = try Self.key(of: proposer.proposerOrder[0])
            firsts.insert(first.publicKeyHex)
            _ = try follower.apply(try proposer.propose([], timestampMilliseconds: proposer.earliestNextTimestamp, proposer: first).block)
        }
        #expect(firsts.count > 1)
    }

    @Test("a validator cannot pass off a block as another's, nor jump the order by naming the first proposer")
    func forgedProposer() throws {
        var proposer = try Ledger(genesis: Self.clusterGenesis())
        var follower = try Ledger(genesis: Self.clusterGenesis())
        let order = proposer.proposerOrder
        let first = try Self.key(of: order[0])
        let last = try Self.key(of: order[2])
        let block = try proposer.propose([], timestampMilliseconds: proposer.earliestNextTimestamp, proposer: first).block
        let before = follower.state
        // The last validator re-signs the first one's block: the header still names the first as proposer.
        for forged in [block.signed(by: last), Block(header: block.header, transactions: block.transactions, signature: "")] {
            #expect { _ = try follower.apply(forged) } throws: { ($0 as? LedgerError)?.code == .badBlockSignature }
            #expect(follower.state == before)
        }
        // A header naming the last validator but keeping the first one's beacon proves nothing.
        var renamed = block
        renamed.header.proposer = last.publicKeyHex
        #expect { _ = try follower.apply(renamed.signed(by: last)) } throws: { ($0 as? LedgerError)?.code == .badBeacon }
        _ = try follower.apply(block)
        #expect(follower.state == proposer.state)
    }

    @Test("an inclusion path proves each transaction at its position, and nothing else")
    func merklePaths() throws {
        for count in 1...17 {
            let hashes = (0..<count).map { SHA256Hex.of("tx-\($0)") }
            let root = MerkleTree.root(of: hashes)
            for index in 0..<count {
                let path = try #require(MerkleTree.path(forLeafAt: index, of: hashes))
                #expect(MerkleTree.verify(leaf: hashes[index], index: index, count: count, path: path, root: root))
                // Another transaction, another position, another count, or a changed sibling is refused.
                #expect(!MerkleTree.verify(leaf: SHA256Hex.of("other"), index: index, count: count, path: path, root: root))
                if count > 1 {
                    #expect(!MerkleTree.verify(leaf: hashes[index], index: (index + 1) % count, count: count, path: path, root: root))
                    var changed = path
                    changed[0] = SHA256Hex.of("sibling")
                    #expect(!MerkleTree.verify(leaf: hashes[index], index: index, count: count, path: changed, root: root))
                }
            }
            #expect(MerkleTree.path(forLeafAt: count, of: hashes) == nil)
        }
    }
}
