import ProvaSim

/// `prova-bench sim`: the simulator driving the real ledger.
/// - `sim.blocks_per_s`: blocks built, applied and answered per wall-clock second during the first 300 blocks (five
///   simulated minutes) of a 10,000-worker network at offered load 0.95, every block full of arrivals.
/// - `sim.blocks_per_s_vs_1k`: the same 300 blocks with 1,000 workers, run in the same process: the ratio shows how the
///   per-block cost grows with the network, whatever the machine.
/// - `sim.utilization_random` and `sim.p99_queue_blocks_random`: a whole run with uniform random allocation at offered
///   load 0.95 (2,000 workers, 200,000 tasks: about 35 simulated minutes, past the warm-up of the 10-minute GPU jobs).
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
    var steady = try Simulation(config: SimConfig(workers: 2_000, operators: 100, tasks: 200_000, load: 0.95, seed: 1))
    let report = try steady.run()
    return [
        BenchLine(name: "sim.blocks_per_s", value: large, unit: "blocks/s"),
        BenchLine(name: "sim.blocks_per_s_vs_1k", value: large / max(small, 1e-9), unit: "ratio"),
        BenchLine(name: "sim.utilization_random", value: 100 * (report.value("utilization") ?? 0), unit: "%"),
        BenchLine(name: "sim.p99_queue_blocks_random", value: report.value("p99_queue_blocks") ?? 0, unit: "blocks"),
    ]
}
