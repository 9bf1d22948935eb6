import ProvaSim

/// `prova-bench sim`: the simulator driving the real ledger.
/// - `sim.blocks_per_s`: blocks built, applied and answered per wall-clock second during the first 300 blocks (five
///   simulated minutes) of a 10,000-worker network at offered load 0.95, every block full of arrivals.
/// - `sim.blocks_per_s_vs_1k`: the same 300 blocks with 1,000 workers, run in the same process: the ratio shows how the
///   per-block cost grows with the network, whatever the machine.
/// - `sim.million_tasks_s`: wall time of the whole 1,000,000-task run on 10,000 workers at offered load 0.95 (about
///   40 simulated minutes plus the drain), the study's standard configuration; target under 600 s.
/// - `sim.utilization_random` and `sim.p99_queue_blocks_random`: that run's utilization of declared capacity and p99
///   queueing delay with the protocol's random allocation (targets ≥ 90 % and < 5 blocks).
func runSimBenchmarks() throws -> [BenchLine] {
    let clock = ContinuousClock()
    func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    func blockRate(workers: Int, operators: Int) throws -> Double {
        var simulation = try Simulation(config: SimConfig(workers: workers, operators: operators, tasks: 10_000_000, load: 0.95, seed: 1))
        let start = clock.now
        for _ in 0..<300 { try simulation.step() }
        return 300 / max(seconds(clock.now - start), 1e-9)
    }
    let large = try blockRate(workers: 10_000, operators: 200)
    let small = try blockRate(workers: 1_000, operators: 50)
    var million = try Simulation(config: SimConfig(workers: 10_000, operators: 200, tasks: 1_000_000, load: 0.95, seed: 1))
    let start = clock.now
    let report = try million.run()
    let elapsed = seconds(clock.now - start)
    return [
        BenchLine(name: "sim.blocks_per_s", value: large, unit: "blocks/s"),
        BenchLine(name: "sim.blocks_per_s_vs_1k", value: large / max(small, 1e-9), unit: "ratio"),
        BenchLine(name: "sim.million_tasks_s", value: elapsed, unit: "s"),
        BenchLine(name: "sim.utilization_random", value: 100 * (report.value("utilization") ?? 0), unit: "%"),
        BenchLine(name: "sim.p99_queue_blocks_random", value: report.value("p99_queue_blocks") ?? 0, unit: "blocks"),
    ]
}
