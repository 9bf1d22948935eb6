import ProvaCore
import ProvaLedger
@testable import ProvaSim

/// Small, fully specified fleets and workloads whose outcomes can be worked out by hand.
enum SimFixtures {
    static let cpu4 = TaskClass(name: "cpu-4", resources: Resources(cpuMillicores: 4_000, memoryBytes: 32 * Units.gib), timeLimitSeconds: 60, weight: 1)

    /// `count` identical CPU nodes, split round-robin over `operators`, every trait fixed: speed 1, bid 1, stake 1,000 credits.
    static func uniformFleet(count: Int, operators: Int) -> Fleet {
        let workers = (0..<count).map { index in
            SimWorker(index: index, address: Fleet.address(ofWorker: index), operatorIndex: index % operators, node: .cpuNode,
                      stake: 1_000 * MicroCredit.perCredit, speed: 1, bid: 1, failureMultiplier: 1)
        }
        return Fleet(workers: workers, operatorCount: operators)
    }

    /// A run whose every job runs exactly half its time limit, with no failures.
    static func exactConfig(tasks: Int, load: Double, operators: Int = 2, seed: UInt64 = 7) -> SimConfig {
        SimConfig(workers: 8, operators: operators, tasks: tasks, load: load, failureRate: 0, seed: seed,
                  runFractionLow: 0.5, runFractionHigh: 0.5, checkInvariants: true, classes: [cpu4])
    }

    static func smallMixed(mechanism: Mechanism = .random, seed: UInt64 = 3, tasks: Int = 400, failureRate: Double = 0.05, invariants: Bool = false) -> SimConfig {
        SimConfig(workers: 40, operators: 6, tasks: tasks, load: 0.9, mechanism: mechanism, failureRate: failureRate, seed: seed,
                  drainLimitMilliseconds: 1_200_000, checkInvariants: invariants)
    }
}
