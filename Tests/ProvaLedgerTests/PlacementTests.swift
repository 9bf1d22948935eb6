import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// Placement (docs/PROTOCOL.md): GPU-less work goes to GPU-less workers first; the tighter of two uniform candidates wins.
@Suite("Placement", .tags(.unit))
struct PlacementTests {
    static let smallCPU = Resources(cpuMillicores: 4_000, memoryBytes: 16 * Units.gib)
    static let smallGPU = Resources(cpuMillicores: 8_000, memoryBytes: 32 * Units.gib, gpus: 1)

    /// A chain whose workers have `capacities`, a funded user and the demo program.
    func chain(_ capacities: [Resources]) throws -> (TestChain, [AccountKey], ProgramID) {
        var (chain, keys) = try TestChain.make(capacities: capacities, users: [user])
        let outcome = try chain.submit(.deployProgram(Fixtures.program("demo")), by: user)
        return (chain, keys, try #require(outcome.transactions.first?.created))
    }

    func prover(of task: TaskID, in chain: TestChain) throws -> Address {
        try #require(chain.task(task)?.attempts.last?.worker)
    }

    @Test("work without GPUs fills the workers without GPUs first and reaches GPU workers only when they are full")
    func cpuWorkStaysOffGPUWorkers() throws {
        var (chain, keys, program) = try chain([Self.smallCPU, Self.smallCPU, Self.smallGPU, Self.smallGPU])
        let cpuWorkers = Set(keys[0..<2].map(\.address))
        // Eight 1-core jobs fill both CPU workers (all within the acceptance window, so nothing is released).
        for _ in 0..<8 {
            let id = try request(&chain, proofRequest(program, cpus: 1, memoryGiB: 2))
            #expect(cpuWorkers.contains(try prover(of: id, in: chain)))
        }
        #expect(keys[0..<2].allSatisfy { chain.state.workers[$0.address]?.free.cpuMillicores == 0 })
        let overflow = try request(&chain, proofRequest(program, cpus: 1, memoryGiB: 2))
        #expect(!cpuWorkers.contains(try prover(of: overflow, in: chain)))
        // GPU work still finds a whole GPU on each GPU worker.
        let gpuJob = try request(&chain, proofRequest(program, cpus: 4, memoryGiB: 8, gpus: 1))
        #expect(!cpuWorkers.contains(try prover(of: gpuJob, in: chain)))
    }

    @Test("of two eligible workers, the one left with less free room takes the work, so the other stays whole")
    func tighterFitWins() throws {
        var (chain, keys, program) = try chain([Self.smallCPU, Self.smallCPU])
        let first = try request(&chain, proofRequest(program, cpus: 2, memoryGiB: 8))
        let busy = try prover(of: first, in: chain)
        let idle = try #require(keys.map(\.address).first { $0 != busy })
        // With exactly two eligible workers both are candidates every time: the busy one wins until it is full.
        for _ in 0..<2 {
            let id = try request(&chain, proofRequest(program, cpus: 1, memoryGiB: 4))
            #expect(try prover(of: id, in: chain) == busy)
        }
        #expect(chain.state.workers[idle]?.reserved == .zero)
        // A job as large as a whole worker still finds one.
        let whole = try request(&chain, proofRequest(program, cpus: 4, memoryGiB: 16))
        #expect(try prover(of: whole, in: chain) == idle)
    }

    @Test("a follower that first refuses a forged copy of every block (after its end-of-block work ran) still agrees on each one")
    func followerRecoversFromRefusedBlocks() throws {
        var (chain, keys, program) = try chain([Self.smallCPU, Self.smallCPU, Self.smallGPU, Self.smallGPU])
        var follower = try Ledger(genesis: chain.genesis)
        for block in chain.blocks { _ = try follower.apply(block) }
        _ = try request(&chain, proofRequest(program, cpus: 1, memoryGiB: 2))
        // Nobody accepts: acceptance windows pass, the task is redrawn, workers are struck; deadlines drive every block.
        var workers = SimulatedWorkers(keys: keys, behaviour: Dictionary(uniqueKeysWithValues: keys.map { ($0.address, .silent) }))
        // The follower has yet to apply the request's block and the block that drew its prover.
        let start = Int(follower.state.height)
        try chain.run(&workers, maxBlocks: 80) { _ in false }
        for block in chain.blocks[start...] {
            var forged = block
            forged.header.stateDigest = SHA256Hex.of("forged")
            #expect(throws: LedgerError.self) { try follower.apply(forged) }
            _ = try follower.apply(block)
        }
        #expect(follower.state == chain.state)
        #expect(chain.allEvents.filter { $0.kind == .acceptanceMissed }.count >= 2)
    }
}
