import Foundation
import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing

/// Property tests with extreme values, through the fuzz harness (propose, a follower's apply, conservation after
/// every block): transactions of every kind whose numbers are the ends of their types and the bounds ± 1. Each is
/// refused or applied; nothing traps, and the committed seed corpus reaches the rules it was written for.
@Suite("Extreme values never stop the chain", .tags(.property))
struct ExtremeValueTests {
    static let extremes: [Int64] = [.min, -1, 0, 1, Limits.maxSupply, Limits.maxSupply + 1, Limits.maxCPUMillicores, Limits.maxCPUMillicores + 1,
                                    Limits.maxMemoryBytes, Limits.maxMemoryBytes + 1, Limits.maxTimeLimitSeconds, Limits.maxTimeLimitSeconds + 1,
                                    Limits.maxFileBytes + 1, Int64(Int32.max), .max]

    @Test("a thousand random transactions with extreme numbers: refused or applied, every block agreed and conserved")
    func extremeTransactions() {
        var random = SeededGenerator(seed: "extreme-values")
        func extreme() -> Int64 { Self.extremes[random.below(Self.extremes.count)] }
        func resources() -> Resources { Resources(cpuMillicores: extreme(), memoryBytes: extreme(), gpus: extreme()) }
        let task = FuzzHarness.reference("task", 0)
        let program = FuzzHarness.reference("program", random.below(2))
        var cases: [FuzzHarness.Case] = []
        for _ in 0..<1_000 {
            let attempt = Int(truncatingIfNeeded: extreme())
            let body: TransactionBody = switch random.below(10) {
            case 0: .transfer(Transfer(to: AccountKey(deterministicFrom: "worker-0").address, amount: extreme()))
            case 1: .mint(Mint(to: AccountKey(deterministicFrom: "fuzz-user").address, amount: extreme()))
            case 2: .requestProof(RequestProof(program: program, inputs: [InputRef(path: "x", digest: Fixtures.digest("x"), size: extreme())],
                                               resources: resources(), timeLimitSeconds: extreme(), redundancy: extreme(), verifiers: extreme(),
                                               maxFee: extreme()))
            case 3: .registerWorker(RegisterWorker(capacity: resources(), diskBytes: extreme(), stake: extreme()))
            case 4: .acceptTask(AcceptTask(task: task, attempt: attempt))
            case 5: .submitResult(SubmitResult(task: task, attempt: attempt, exitCode: Int32(truncatingIfNeeded: extreme()),
                                               outputs: [OutputRef(path: "p", digest: Fixtures.digest("p"), size: extreme())],
                                               usage: MeasuredUsage(wallMilliseconds: extreme(), cpuMilliseconds: extreme(), peakMemoryBytes: extreme())))
            case 6: random.below(2) == 0 ? .commitVote(CommitVote(task: task, attempt: attempt, commitment: Fixtures.digest("c")))
                : .revealVote(RevealVote(task: task, attempt: attempt, verdict: .valid, salt: Fixtures.digest("s"),
                                         transcript: VoteTranscript(exitCode: Int32(truncatingIfNeeded: extreme()), checked: Fixtures.digest("k"))))
            case 7: .submitWorkflow(SubmitWorkflow(name: "x", steps: (0..<2).map {
                WorkflowStep(name: "s\($0)", program: program, inputs: [], resources: resources(), timeLimitSeconds: extreme(), redundancy: extreme())
            }))
            case 8: .deployProgram(DeployProgram(name: "extreme", prover: ImageSpec(digest: Fixtures.digest("p"), command: ["/p"]),
                                                 verifier: ImageSpec(digest: Fixtures.digest("v"), command: ["/v"]), defaultResources: resources(),
                                                 defaultTimeLimitSeconds: extreme(), verifierResources: resources(), verifierTimeLimitSeconds: extreme()))
            default: .cancelTask(CancelTask(task: task))
            }
            let nonce: UInt64? = random.below(8) == 0 ? UInt64(bitPattern: extreme()) : nil
            cases.append(FuzzHarness.Case(sender: Int(truncatingIfNeeded: extreme()), nonce: nonce, body: body))
        }
        // In inputs of 50, as the fuzzer runs them; a trap fails the test process, which is the point.
        for start in stride(from: 0, to: cases.count, by: 50) {
            FuzzHarness.run(Array(cases[start..<min(start + 50, cases.count)]))
        }
    }

    @Test("every seed of the committed corpus commits at least one of its transactions", arguments: FuzzHarness.seedCorpus().map(\.name))
    func seedsReachTheirRules(_ name: String) throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/corpus")
        let bytes = Array(try Data(contentsOf: directory.appendingPathComponent("\(name).json")))
        #expect(bytes == FuzzHarness.seedCorpus().first { $0.name == name }?.bytes, "the committed seed is stale; rewrite it with `prova-fuzz --write-corpus Tests/Fuzz/corpus`")
        #expect(FuzzHarness.run(bytes) > 0)
    }
}
