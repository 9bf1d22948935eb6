import ProvaCore
import ProvaLedger
import ProvaTesting
import Testing
@testable import ProvaSim

@Suite("Simulator parts", .tags(.unit))
struct UnitTests {
    @Test("Gini coefficient of known distributions")
    func gini() {
        #expect(Statistics.gini([1, 1, 1, 1]) == 0)
        #expect(abs(Statistics.gini([0, 0, 0, 1]) - 0.75) < 1e-12)
        #expect(abs(Statistics.gini([1, 2, 3, 4]) - 0.25) < 1e-12)
        #expect(Statistics.gini([]) == 0)
    }

    @Test("nearest-rank percentiles")
    func percentiles() {
        let values = Array(1...100)
        #expect(Statistics.percentile(values, 50) == 50)
        #expect(Statistics.percentile(values, 99) == 99)
        #expect(Statistics.percentile(values, 100) == 100)
        #expect(Statistics.percentile([Int](), 50) == nil)
        #expect(Statistics.percentile([7], 99) == 7)
    }

    @Test("Zipf operator sizes: everyone runs a node, the largest runs the most, the total is exact")
    func zipf() {
        let sizes = Fleet.zipfSizes(total: 10_000, operators: 200)
        #expect(sizes.reduce(0, +) == 10_000)
        #expect(sizes.allSatisfy { $0 >= 1 })
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 >= $1 })
        let top1 = Double(sizes[0]) / 10_000, top10 = Double(sizes.prefix(10).reduce(0, +)) / 10_000
        #expect(top1 > 0.15 && top1 < 0.19)
        #expect(top10 > 0.45 && top10 < 0.55)
    }

    @Test("the fleet mixes CPU and GPU nodes and is the same for a seed")
    func fleet() {
        var a = SeededGenerator(seed: "x"), b = SeededGenerator(seed: "x")
        let one = Fleet.generate(workers: 500, operators: 20, minStake: 100, random: &a)
        let two = Fleet.generate(workers: 500, operators: 20, minStake: 100, random: &b)
        #expect(one.workers == two.workers)
        #expect(Set(one.workers.map(\.node)).count == 4)
        #expect(Set(one.workers.map(\.address)).count == 500)
        // Economies of scale: the largest operator's nodes bid lower than the smallest's.
        let largest = one.workers.filter { $0.operatorIndex == 0 }.map(\.bid)
        let smallest = one.workers.filter { $0.operatorIndex == 19 }.map(\.bid)
        #expect(Statistics.mean(largest) < Statistics.mean(smallest))
    }

    @Test("workflows: four segments and a binary aggregation tree")
    func workflowShape() throws {
        #expect(Workflows.stepCount(segments: 4) == 7)
        #expect(Workflows.stepCount(segments: 5) == 5 + 3 + 2 + 1)
        let taskClass = try #require(TaskClass.standardMix.first { $0.name == "workflow-4" })
        let body = try #require(Workflows.body(for: taskClass, program: SHA256Hex.of("p"), input: InputRef(path: "in", digest: SHA256Hex.of("i"), size: 1), index: 1))
        try TransactionBody.submitWorkflow(body).validateShape()
        #expect(body.steps.count == 7)
        #expect(body.steps.last?.inputs.allSatisfy { $0.step != nil } == true)
    }

    @Test("the offered load sets the arrival rates: expected reservations fill the load of the fleet")
    func arrivalRates() throws {
        var random = SeededGenerator(seed: "fleet")
        let fleet = Fleet.generate(workers: 1_000, operators: 50, minStake: 100, random: &random)
        let workload = try Workload(classes: TaskClass.standardMix, load: 0.5, fleet: fleet, meanRunFraction: 0.7, blockInterval: 1_000,
                                    verifierResources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), verifierSeconds: 4, verifiers: 3)
        let doubled = try Workload(classes: TaskClass.standardMix, load: 1.0, fleet: fleet, meanRunFraction: 0.7, blockInterval: 1_000,
                                   verifierResources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), verifierSeconds: 4, verifiers: 3)
        #expect(abs(doubled.cpuRate - 2 * workload.cpuRate) < 1e-9)
        #expect(abs(doubled.gpuRate - 2 * workload.gpuRate) < 1e-9)
        // Poisson arrivals over an hour come close to the rate.
        var arrivals = SeededGenerator(seed: "arrivals")
        var count = 0
        for second in 0..<3_600 { count += workload.arrivals(from: Int64(second) * 1000, to: Int64(second + 1) * 1000, random: &arrivals).count }
        let expected = (workload.cpuRate + workload.gpuRate) * 3_600
        #expect(abs(Double(count) - expected) < 5 * expected.squareRoot())
    }

    @Test("stake lottery draws in proportion to stake; the auction picks the lowest bid")
    func policies() {
        func worker(_ index: Int, stake: MicroCredits) -> Worker {
            Worker(address: Fleet.address(ofWorker: index), capacity: NodeType.cpuNode.capacity, diskBytes: 1, labels: [:], stake: stake, endpoint: nil,
                   status: .active, reserved: .zero, strikes: 0, jailedUntilMilliseconds: nil, exitAtMilliseconds: nil, registeredAtMilliseconds: 0,
                   capacityTest: nil, proverSets: [], earned: 0, slashed: 0, tasksProved: 0, votesCast: 0, assignments: 0)
        }
        let task = TaskRecord(id: "t", kind: .proof, requester: "r", program: "p", inputs: [], proof: [], resources: .zero, timeLimitSeconds: 1, environment: [],
                              redundancy: 1, verifierCount: 0, proverSet: nil, workflow: nil, step: nil, targetWorker: nil, feePerSlot: 0, escrow: 0,
                              state: .pending, submittedAtMilliseconds: 0, submittedAtHeight: 0, deliveredAtMilliseconds: nil, completedAtMilliseconds: nil,
                              slots: [], attempts: [], provers: [], paid: 0, refunded: 0, burned: 0, failure: nil, verifiedAttempt: nil, draws: 0)
        let eligible = [worker(0, stake: 900), worker(1, stake: 100), worker(2, stake: 0)]
        var random = SeededGenerator(seed: "policy")
        var counts = [Address: Int]()
        for _ in 0..<10_000 {
            if let chosen = StakeLottery().chooseProver(among: eligible, for: task, random: &random) { counts[chosen, default: 0] += 1 }
        }
        #expect(counts[eligible[2].address] == nil)
        let share = Double(counts[eligible[0].address] ?? 0) / 10_000
        #expect(share > 0.88 && share < 0.92)
        let auction = ReverseAuction(bids: [eligible[0].address: 0.9, eligible[1].address: 0.6, eligible[2].address: 0.8])
        #expect(auction.chooseProver(among: eligible, for: task, random: &random) == eligible[1].address)
    }

    @Test("bad settings are refused with a message that says what to change")
    func validation() {
        #expect(throws: SimError.self) { try SimConfig(workers: 2).validate() }
        #expect(throws: SimError.self) { try SimConfig(load: 0).validate() }
        #expect(throws: SimError.self) { try SimConfig(failureRate: 0.9).validate() }
        do {
            try SimConfig(operators: 20_000).validate()
            Issue.record("expected an error")
        } catch let error as SimError {
            #expect(error.code == .badConfig)
            #expect(error.message.contains("--operators"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("summary lines read `name: value`, and the files are CSV and SVG")
    func reportFormat() throws {
        var simulation = try Simulation(config: SimFixtures.smallMixed(tasks: 60))
        let report = try simulation.run()
        let lines = report.summaryText.split(separator: "\n")
        #expect(lines.allSatisfy { $0.contains(": ") })
        for name in ["utilization", "p99_queue_blocks", "top10_reward_share", "reward_gini", "fee_per_proof_credits", "fallback_rate", "fulfilment_rate"] {
            #expect(lines.contains { $0.hasPrefix("\(name): ") }, "missing \(name)")
        }
        #expect(report.summaryText.contains("utilization: ") && report.summaryText.contains("%"))
        for file in ReportFiles.files(for: report) + ReportFiles.comparisonFiles(for: [report, report]) {
            if file.path.hasSuffix(".svg") {
                #expect(file.contents.hasPrefix("<svg") && file.contents.hasSuffix("</svg>\n"), "\(file.path)")
                #expect(!file.contents.contains("nan"), "\(file.path)")
            } else {
                #expect(file.contents.contains(","), "\(file.path)")
            }
        }
    }

    @Test("format: fixed decimals without Foundation")
    func format() {
        #expect(SimReport.format(93.149, decimals: 1) == "93.1")
        #expect(SimReport.format(0.000424, decimals: 6) == "0.000424")
        #expect(SimReport.format(-1.5, decimals: 0) == "-2")
        #expect(SimReport.percent(0.931) == "93.1%")
        #expect(SimMath.exp(SimMath.log(10)) - 10 < 1e-12)
    }
}
