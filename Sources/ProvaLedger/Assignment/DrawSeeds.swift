package import ProvaCore

/// Which randomness seeds draws. Every validator uses `.beacon`; `.blockHash` is the rule it replaced, kept only so the
/// simulator can measure what grinding it gained an attacker (`prova sim --attack grind --seed-rule block-hash`).
package enum SeedRule: String, Sendable, CaseIterable {
    /// Draws are seeded by the beacon of a block strictly later than the one whose events made them necessary.
    case beacon
    /// Draws are seeded by the previous block's hash, in the very block that made them necessary: predictable.
    case blockHash = "block-hash"
}

/// When a draw may happen, and what seeds it (docs/PROTOCOL.md "Beacon" and "Selection").
///
/// A draw is needed because of something in block N — a request, a delivery, a decline, a missed window. It happens
/// in a block after N, seeded by that block's beacon mixed with the task, slot, draw counter and role. Nobody knows a
/// later block's beacon when block N is made: not the sender (it signed before), not N's proposer (its key proves only
/// N's beacon). So nothing a sender puts in its transaction, and nothing N's proposer includes, decides who is drawn.
extension Ledger {
    /// Puts a slot back among those waiting for a prover, from this block on; its draw happens in a later block.
    mutating func markWaiting(_ task: inout TaskRecord, slot index: Int) {
        task.slots[index].state = .waiting
        task.slots[index].currentAttempt = nil
        task.slots[index].waitingSinceMilliseconds = context.now
        task.slots[index].waitingSinceHeight = context.height
    }

    /// Whether a draw made necessary in block `causeHeight` may happen in the block being applied.
    func mayDraw(causedAt causeHeight: UInt64) -> Bool {
        seedRule == .blockHash || causeHeight < context.height
    }

    /// The generator of one draw: SHA-256(randomness ‖ task ‖ slot ‖ draw counter ‖ role), where the randomness is
    /// the beacon of the block being applied.
    func drawRandom(task: TaskID, slot: Int, counter: Int, role: String) -> SeededGenerator {
        let randomness = seedRule == .beacon ? context.beacon : context.previousHash
        return SeededGenerator(randomness: randomness, task: task, slot: slot, counter: counter, role: role)
    }

    /// Whether a block should be made as soon as the interval allows even with no transaction waiting: a draw became
    /// possible in the next block (something in the last one made it necessary).
    public var drawsAwaitNextBlock: Bool {
        guard seedRule == .beacon, let caused = work.drawsCausedAtHeight else { return false }
        return caused >= state.height
    }
}

/// What an attacker can compute from public state: who a draw would pick if it were seeded by `randomness` against
/// the current free capacity. The grinding experiment of the simulator and the tests of "nobody can steer a draw" use
/// it to grind as well as anyone could; validators never call it.
extension Ledger {
    /// The prover the first draw of a task `task` asking `resources` would pick under `randomness`.
    package func predictedProver(task: TaskID, resources: Resources, randomness: String) -> Address? {
        var random = SeededGenerator(randomness: randomness, task: task, slot: 0, counter: 1, role: "prover")
        var noRoom: NoRoomCache?
        return drawWorker(for: resources, excluding: [], in: nil, random: &random, noRoom: &noRoom)
    }

    /// The verifiers the draw `counter` for `task` (slot `slot`, provers `excluding`) would pick under `randomness`.
    package func predictedVerifiers(task: TaskID, slot: Int, counter: Int, resources: Resources, count: Int, excluding provers: [Address],
                                    randomness: String) -> [Address] {
        var random = SeededGenerator(randomness: randomness, task: task, slot: slot, counter: counter, role: "verifier")
        var excluded = provers
        var chosen: [Address] = []
        var noRoom: NoRoomCache?
        for _ in 0..<count {
            guard let address = drawWorker(for: resources, excluding: excluded, in: nil, random: &random, noRoom: &noRoom) else { break }
            chosen.append(address)
            excluded.append(address)
        }
        return chosen
    }
}
