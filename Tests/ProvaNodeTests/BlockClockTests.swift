import Foundation
import ProvaCore
import ProvaNode
import ProvaTesting
import Synchronization
import Testing

/// The block loop keeps time only by the clock it is given: with a `ManualClock`, nothing happens until the test moves
/// the clock, and then exactly what the block intervals and the commit waiters' deadlines say. No sleeps: the test
/// waits for the loop to go to sleep on the clock, then moves it.
@Suite("Block loop on an injected clock", .tags(.integration))
struct BlockClockTests {
    static let minimum: Milliseconds = 100
    static let maximum: Milliseconds = 1_000

    static var parameters: ChainParameters {
        var parameters = ChainParameters.genesisDefaults
        parameters.minBlockIntervalMilliseconds = minimum
        parameters.maxBlockIntervalMilliseconds = maximum
        return parameters
    }

    @Test("a transaction is committed only once the clock passes minBlockInterval; an empty block follows maxBlockInterval later",
          arguments: Fidelity.allCases)
    func intervals(_ fidelity: Fidelity) async throws {
        let start = Milliseconds(Date().timeIntervalSince1970 * 1000) + 60_000
        let clock = ManualClock(startingAt: start)
        try await TestNode.with(fidelity, parameters: Self.parameters, clock: clock) { node in
            // Idle: the loop sleeps until the empty block due maxBlockInterval after it started.
            try await sleeping(on: clock, until: start + Self.maximum)
            let height = try await node.status().height
            let nonce = try await node.account(node.user.address).nextNonce
            let transfer = try node.sign(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user, nonce: nonce)
            let submitted = try await node.submit(transfer)
            #expect(submitted.status == 202)

            // Admitted: the loop now sleeps until minBlockInterval after its start, and not a millisecond less.
            try await sleeping(on: clock, until: start + Self.minimum)
            clock.advance(by: Self.minimum - 1)
            #expect(try await node.transaction(submitted.transaction.hash).status == .pending)
            #expect(try await node.status().height == height)
            clock.advance(by: 1)
            let committed = try await node.submit(transfer, waitForCommit: true)
            #expect(committed.status == 200 && committed.transaction.status == .committed)
            #expect(committed.transaction.height == height + 1)
            #expect(try await node.block(height + 1).block.header.timestampMilliseconds == start + Self.minimum)

            // Nothing waits: the next block is an empty one, maxBlockInterval after the last.
            let last = start + Self.minimum
            try await sleeping(on: clock, until: last + Self.maximum)
            clock.advance(by: Self.maximum - 1)
            #expect(try await node.status().height == height + 1)
            clock.advance(by: 1)
            try await eventually("the empty block", over: clock.changes()) { try await node.status().height == height + 2 }
            let empty = try await node.block(height + 2)
            #expect(empty.block.transactions.isEmpty)
            #expect(empty.block.header.timestampMilliseconds == last + Self.maximum)
        }
    }

    @Test("a ?wait=commit waiter answers 'still pending' exactly when the clock passes its deadline", arguments: Fidelity.allCases)
    func waiterDeadline(_ fidelity: Fidelity) async throws {
        var parameters = Self.parameters
        parameters.minBlockIntervalMilliseconds = 60_000
        parameters.maxBlockIntervalMilliseconds = 600_000
        let start = Milliseconds(Date().timeIntervalSince1970 * 1000) + 60_000
        let clock = ManualClock(startingAt: start)
        try await TestNode.with(fidelity, parameters: parameters, clock: clock) { node in
            try await sleeping(on: clock, until: start + 600_000)
            let nonce = try await node.account(node.user.address).nextNonce
            let transfer = try node.sign(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user, nonce: nonce)
            let answered = Answered()
            let hash = try await withThrowingTaskGroup(of: (status: Int, transaction: TransactionStatus).self) { group in
                group.addTask {
                    let answer = try await node.submit(transfer, waitForCommit: true, timeoutSeconds: 5)
                    answered.mark()
                    return answer
                }
                // The waiter's deadline, 5 s on the node's clock, is the loop's next wake-up (before the block due at 60 s).
                try await sleeping(on: clock, until: start + 5_000)
                clock.advance(by: 4_999)
                #expect(!answered.isMarked)
                #expect(clock.deadlines.contains(start + 5_000))
                clock.advance(by: 1)
                let answer = try #require(try await group.next())
                #expect(answer.status == 202)
                #expect(answer.transaction.status == .pending)
                return answer.transaction.hash
            }
            #expect(try await node.transaction(hash).status == .pending)

            // The transaction itself is committed when the clock reaches minBlockInterval.
            try await sleeping(on: clock, until: start + 60_000)
            clock.advance(by: 55_000)
            try await eventually("the transfer is committed", over: clock.changes()) {
                try await node.transaction(hash).status == .committed
            }
        }
    }
}

extension BlockClockTests {
    @Test("a wall clock that jumps an hour ahead moves block time only as fast as time passes: no deadline expires at once",
          arguments: Fidelity.allCases)
    func wallClockJump(_ fidelity: Fidelity) async throws {
        let start = Milliseconds(Date().timeIntervalSince1970 * 1000) + 60_000
        let clock = ManualClock(startingAt: start)
        try await TestNode.with(fidelity, parameters: Self.parameters, clock: clock) { node in
            let program = try #require(try await node.send(.deployProgram(Fixtures.program("clock-jump")), by: node.user).outcome?.created)
            let request = RequestProof(program: program, inputs: [Fixtures.input("input.json")],
                                       resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)
            let task = try #require(try await node.send(.requestProof(request), by: node.user).outcome?.created)
            try await node.nextBlock()
            let assigned = try await node.task(task)
            #expect(assigned.state == .assigned)
            let before = try await node.status()

            clock.jumpWall(by: 3_600_000)
            clock.advance(by: Self.maximum)
            try await eventually("a block after the jump", over: clock.changes()) { try await node.status().height > before.height }
            let after = try await node.block(before.height + 1)
            // Block time followed the monotonic clock (one maxBlockInterval), not the jumped wall clock.
            #expect(after.block.header.timestampMilliseconds - before.lastTimestampMilliseconds <= Self.maximum)
            // The prover's acceptance window (3 s of block time) is still open.
            #expect(try await node.task(task).attempts.first?.state == .assigned)
        }
    }
}

/// A flag one task raises and another reads.
private final class Answered: Sendable {
    private let flag = Mutex(false)
    var isMarked: Bool { flag.withLock { $0 } }
    func mark() { flag.withLock { $0 = true } }
}
