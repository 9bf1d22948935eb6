import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import ProvaNode
import ProvaClient
import ProvaCore
import ProvaDevnet
import ProvaTesting
import Synchronization
import Testing

/// The cluster's promises, against real etcd members and real validator processes (docs/CONSENSUS.md).
@Suite("Validator cluster", .serialized, .tags(.endToEnd))
struct ClusterEndToEndTests {
    @Test("SIGKILL the proposer under load: nothing acknowledged is lost, no height has two blocks, the next block comes within proposerTimeout + 1 s, the killed validator catches up")
    func proposerCrash() async throws {
        // etcd keeps 16 heights: the killed validator, down for longer, catches up from its peers' GET /v1/blocks/{height}.
        let cluster = try await LocalCluster.start(validators: 3, senders: 8, retainedBlocks: 16)
        do { try await proposerCrash(cluster) } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    /// Sends until a validator acknowledges the transaction as committed, through the SDK's failover (`client` lists
    /// every validator, the sender's own first); a refusal of a nonce whose predecessor is still on its way is sent again
    /// after a short pause.
    static func commit(_ transaction: SignedTransaction, client: ProvaClient) async throws -> TransactionStatus {
        var answers: [String] = []
        for _ in 0..<50 {
            do {
                let status = try await client.submit(transaction, waitForCommit: true, timeout: .seconds(10))
                if status.status == .committed { return status }
                answers.append("\(status.status) \(status.error?.message ?? "")")
            } catch {
                answers.append("\(error)")
            }
            // A client's retry pause, not a test's synchronisation.
            try await Task.sleep(for: .milliseconds(100))
        }
        throw ClusterTestFailure("transaction \(transaction.nonce) of \(transaction.sender.prefix(12)) never committed: \(answers.suffix(4).joined(separator: " | "))")
    }

    private func proposerCrash(_ cluster: LocalCluster) async throws {
        let chain = cluster.genesis.identity
        let sink = AccountKey().address
        let acknowledged = Locked<[TransactionHash: UInt64?]>([:])
        let killed = Locked<(index: Int, height: UInt64)?>(nil)
        let perSender: UInt64 = 60
        let clock = ContinuousClock()
        let started = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            // 8 senders × 25 transactions a second = 200 tx/s, spread over all validators: each sender sends to its own (as a
            // client does) with `?wait=commit`, without waiting for the one before, and fails over to the next with the SDK.
            for (number, sender) in cluster.senders.enumerated() {
                let client = try cluster.failoverClient(startingAt: number % 3)
                group.addTask {
                    try await withThrowingTaskGroup(of: Void.self) { sends in
                        for nonce in 0..<perSender {
                            let transaction = try UnsignedTransaction(chain: chain, sender: sender.publicKeyHex, nonce: nonce,
                                                                      body: .transfer(Transfer(to: sink, amount: 1))).signed(by: sender)
                            sends.addTask {
                                let status = try await Self.commit(transaction, client: client)
                                acknowledged.withLock { $0[status.hash] = status.height }
                            }
                            try await clock.sleep(until: started + .milliseconds(40 * Int64(nonce + 1)))
                        }
                        try await sends.waitForAll()
                    }
                }
            }
            group.addTask {
                // Once the chain is under way, kill whoever is first in line for the next height.
                try await eventually("blocks under load", over: processStateTicks()) {
                    acknowledged.withLock { $0.count } >= 100
                }
                let status = try await cluster.client(0).status()
                let parent = try await cluster.client(0).block(height: status.height)
                let order = ProposerOrder.order(of: cluster.genesis.validators.map(\.publicKey), parentBeacon: parent.block.header.beacon,
                                                height: status.height + 1)
                guard let victim = cluster.index(of: order[0]) else { throw ClusterTestFailure("the proposer order names an unknown key") }
                await cluster.validators.kill(victim)
                // Blocks it made between the status read and the kill count as before it: the height a survivor has now.
                let after = try await cluster.client((victim + 1) % 3).status().height
                killed.withLock { $0 = (victim, after) }
            }
            try await group.waitForAll()
        }
        let elapsed = clock.now - started
        print("proposer crash: \(cluster.senders.count * Int(perSender)) transfers in \(elapsed) (\(Double(cluster.senders.count) * Double(perSender) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)) tx/s)")
        guard let (victim, killHeight) = killed.withLock({ $0 }) else { throw ClusterTestFailure("no validator was killed") }
        let survivors = (0..<3).filter { $0 != victim }
        let restartHeight = try await cluster.client(survivors[0]).status().height
        // It holds at most one block past `killHeight` (one it had in flight).
        #expect(restartHeight > killHeight + 1 + 16, "the killed validator missed only \(restartHeight - killHeight) heights; too few to need its peers")
        try cluster.validators.start(victim)
        try await cluster.validators.waitUntilServing(victim)
        try await cluster.waitForAgreement([0, 1, 2], atLeast: restartHeight)

        // Block time is what failover is measured in; the load offered was 200 tx/s, what committed is printed above.
        // Every transaction acknowledged as committed is in every validator's chain, at the height it was acknowledged at.
        let committed = acknowledged.withLock { $0 }
        #expect(committed.count == cluster.senders.count * Int(perSender))
        for (hash, acknowledgedHeight) in committed {
            let height = try #require(acknowledgedHeight)
            for member in 0..<3 {
                let status = try await cluster.client(member).transaction(hash: hash)
                #expect(status.status == .committed && status.height == height, "validator \(member) has \(hash.prefix(12)) as \(status.status) at \(status.height ?? 0), not at \(height)")
            }
        }
        // One block per height: every validator holds the same block at every height.
        let top = try await cluster.client(0).status().height
        var previous: BlockDetail?
        var failovers: [Milliseconds] = []
        for height in 1...top {
            let blocks = try await (0..<3).asyncMap { try await cluster.client($0).block(height: height) }
            #expect(Set(blocks.map(\.hash)).count == 1, "validators hold different blocks at height \(height)")
            let block = blocks[0].block
            if let parent = previous?.block, height > killHeight + 1, height <= restartHeight {
                let order = ProposerOrder.order(of: cluster.genesis.validators.map(\.publicKey), parentBeacon: parent.header.beacon, height: height)
                #expect(cluster.index(of: block.header.proposer) != victim, "the killed validator proposed block \(height)")
                if cluster.index(of: order[0]) == victim {
                    failovers.append(block.header.timestampMilliseconds - parent.header.timestampMilliseconds)
                }
            }
            previous = blocks[0]
        }
        // Heights whose first proposer was the killed validator were taken by the next in line, within proposerTimeout + 1 s
        // of block time.
        let limit = cluster.genesis.parameters.proposerTimeoutMilliseconds + 1_000
        #expect(failovers.allSatisfy { $0 <= limit }, "failover intervals \(failovers) exceed \(limit) ms")
        print("BENCH cluster.failover_ms_max \(failovers.max() ?? 0) ms (\(failovers.count) heights whose first proposer was killed)")
    }

    @Test("Kill one of three etcd members: the chain goes on. Kill two: no block, nothing acknowledged lost, no fork. Bring one back: the chain resumes")
    func etcdQuorum() async throws {
        let cluster = try await LocalCluster.start(validators: 3, senders: 2)
        do { try await etcdQuorum(cluster) } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func etcdQuorum(_ cluster: LocalCluster) async throws {
        let chain = cluster.genesis.identity
        let sender = cluster.senders[0]
        let sink = AccountKey().address
        func transfer(_ nonce: UInt64) throws -> SignedTransaction {
            try UnsignedTransaction(chain: chain, sender: sender.publicKeyHex, nonce: nonce, body: .transfer(Transfer(to: sink, amount: 1))).signed(by: sender)
        }
        /// Sends until it commits (a member that just died may still be the leader for an election timeout).
        func commit(_ transaction: SignedTransaction, via member: Int) async throws -> TransactionStatus {
            for _ in 0..<10 {
                if let status = try? await cluster.client(member).submit(transaction, waitForCommit: true, timeout: .seconds(10)),
                   status.status == .committed {
                    return status
                }
            }
            throw ClusterTestFailure("transaction \(transaction.nonce) did not commit through validator \(member)")
        }
        let first = try await commit(try transfer(0), via: 0)

        await cluster.etcd.kill(member: 0)
        let second = try await commit(try transfer(1), via: 1)
        #expect(second.height ?? 0 > first.height ?? 0)

        await cluster.etcd.kill(member: 1)
        let stalled = try await cluster.client(2).status().height
        // Without a quorum nothing is acknowledged as committed: a transaction is refused or stays pending.
        let during = try? await cluster.client(2).submit(try transfer(2), waitForCommit: true, timeout: .seconds(5))
        #expect(during?.status != .committed)
        let heights = try await (0..<3).asyncMap { try await cluster.client($0).status().height }
        #expect(heights.allSatisfy { $0 <= stalled + 1 }, "blocks were made without an etcd quorum: \(heights) after \(stalled)")

        try cluster.etcd.restart(member: 1)
        try await cluster.etcd.waitForQuorum()
        let third = try await commit(try transfer(2), via: 2)
        #expect(third.height ?? 0 > stalled)
        try await cluster.waitForAgreement([0, 1, 2], atLeast: third.height ?? 0)
        for hash in [first.hash, second.hash, third.hash] {
            for member in 0..<3 {
                #expect(try await cluster.client(member).transaction(hash: hash).status == .committed)
            }
        }
    }
}


extension ClusterEndToEndTests {
    @Test("Cut one validator off the network (a network namespace and a veth pair): it stops proposing, the others go on, and it catches up once reconnected",
          .enabled(if: NetworkNamespace.isAvailable, "needs root and ip(8)"))
    func partition() async throws {
        let namespace = try NetworkNamespace.create()
        let cluster: LocalCluster
        do { cluster = try await LocalCluster.start(validators: 3, senders: 1, isolated: namespace) } catch {
            namespace.remove()
            throw error
        }
        do { try await partition(cluster, namespace) } catch {
            await cluster.stop()
            namespace.remove()
            throw error
        }
        await cluster.stop()
        namespace.remove()
    }

    private func partition(_ cluster: LocalCluster, _ namespace: NetworkNamespace) async throws {
        let isolated = 2
        let chain = cluster.genesis.identity
        let sender = cluster.senders[0]
        let sink = AccountKey().address
        func transfer(_ nonce: UInt64) async throws -> TransactionStatus {
            let transaction = try UnsignedTransaction(chain: chain, sender: sender.publicKeyHex, nonce: nonce,
                                                      body: .transfer(Transfer(to: sink, amount: 1))).signed(by: sender)
            let status = try await cluster.client(0).submit(transaction, waitForCommit: true, timeout: .seconds(20))
            guard status.status == .committed else { throw ClusterTestFailure("transfer \(nonce) is \(status.status)") }
            return status
        }
        let before = try await transfer(0)
        try await cluster.waitForAgreement([0, 1, 2], atLeast: before.height ?? 0)

        try namespace.cut()
        let cutAt = try await cluster.client(0).status().height
        // Enough heights that the isolated validator's turn comes first in some of them.
        var last = before
        for nonce in UInt64(1)...12 { last = try await transfer(nonce) }
        let during = try #require(last.height)
        #expect(during > cutAt)

        try namespace.reconnect()
        try await cluster.waitForAgreement([0, 1, 2], atLeast: during)
        // While cut off it proposed nothing: every block after the cut (but the one it may have had in flight) is another's.
        var isolatedFirst = 0
        for height in (cutAt + 2)...during {
            let block = try await cluster.client(0).block(height: height).block
            let parent = try await cluster.client(0).block(height: height - 1).block
            #expect(cluster.index(of: block.header.proposer) != isolated, "the cut-off validator proposed block \(height)")
            let order = ProposerOrder.order(of: cluster.genesis.validators.map(\.publicKey), parentBeacon: parent.header.beacon, height: height)
            if cluster.index(of: order[0]) == isolated { isolatedFirst += 1 }
        }
        print("partition: \(during - cutAt - 1) heights while cut off, \(isolatedFirst) of them first in line for the cut-off validator")
        #expect(try await cluster.client(isolated).transaction(hash: last.hash).height == during)
    }
}

/// A value shared by the tasks of a test.
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    init(_ value: Value) { mutex = Mutex(value) }
    func withLock<Result: Sendable>(_ body: (inout Value) -> Result) -> Result { mutex.withLock { body(&$0) } }
}

extension ClusterEndToEndTests {
    @Test("A validator with etcd access writes a forged block out of turn: every validator refuses it, stops applying and says so on /healthz, /metrics and to senders — none follows it")
    func forgedBlock() async throws {
        let cluster = try await LocalCluster.start(validators: 3, senders: 1)
        do { try await forgedBlock(cluster) } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    private func forgedBlock(_ cluster: LocalCluster) async throws {
        // Validator 0's own key, its own etcd access: what a malicious operator of one validator holds.
        let key = try NodeFiles.readKey(from: cluster.configuration.validatorDirectory(0).appendingPathComponent("node.key"))
        let link = ClusterLink(etcd: try EtcdClient(endpoints: cluster.etcd.clientURLs), genesis: cluster.genesis, me: key.publicKeyHex,
                               retainedBlocks: 1_000)
        var forged: Block?
        for _ in 0..<20 where forged == nil {
            let status = try await cluster.client(1).status()
            let header = BlockHeader(height: status.height + 1, previousHash: status.lastBlockHash, timestampMilliseconds: status.lastTimestampMilliseconds + 1,
                                     proposer: key.publicKeyHex, beacon: SHA256Hex.of("chosen") + SHA256Hex.of("beacon"), beaconProof: "",
                                     transactionsRoot: MerkleTree.root(of: []), stateDigest: status.stateDigest)
            let block = Block(header: header, transactions: []).signed(by: key)
            // Honest validators may take the height first; then try the next.
            if try await link.publish(block) { forged = block }
        }
        let height = try #require(forged?.header.height)
        let http = HTTPClient.shared
        for member in 0..<3 {
            try await eventually("validator \(member) refuses block \(height)", over: processStateTicks()) {
                let response = try await http.execute(HTTPClientRequest(url: cluster.validators.url(member) + "/healthz"), deadline: .now() + .seconds(5))
                return response.status == .serviceUnavailable
            }
            let health = try await http.execute(HTTPClientRequest(url: cluster.validators.url(member) + "/healthz"), deadline: .now() + .seconds(5))
            let text = String(buffer: try await health.body.collect(upTo: 1 << 16))
            #expect(text.contains("diverged") && text.contains("block \(height)"), "\(text)")
            let metrics = try await http.execute(HTTPClientRequest(url: cluster.validators.url(member) + "/metrics"), deadline: .now() + .seconds(5))
            #expect(String(buffer: try await metrics.body.collect(upTo: 1 << 20)).contains("prova_diverged 1"))
            // Nothing after the forged block is applied, and a sender hears why.
            #expect(try await cluster.client(member).status().height == height - 1)
            let sender = cluster.senders[0]
            let transfer = try UnsignedTransaction(chain: cluster.genesis.identity, sender: sender.publicKeyHex, nonce: 0,
                                                   body: .transfer(Transfer(to: AccountKey().address, amount: 1))).signed(by: sender)
            await #expect(throws: ClientError.self) { try await cluster.client(member).submit(transfer) }
        }
    }
}
