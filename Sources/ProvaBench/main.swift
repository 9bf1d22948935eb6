import Foundation

/// `prova-bench [ledger|node|sandbox|e2e|sim|cluster]`: no argument runs every group.
let groups = ["ledger", "node", "sandbox", "e2e", "sim", "cluster"]
let requested = CommandLine.arguments.dropFirst()
for name in requested where !groups.contains(String(name.split(separator: ".")[0])) {
    FileHandle.standardError.write(Data("unknown benchmark group '\(name)'; groups: \(groups.joined(separator: ", "))\n".utf8))
    exit(2)
}
let selected = requested.isEmpty ? groups : Array(requested)
for group in selected {
    let lines: [BenchLine]
    switch group {
    case "ledger": lines = try runLedgerBenchmarks()
    case "ledger.apply", "ledger.assign", "ledger.vrf_verify_us": lines = try runLedgerBenchmarks(only: group)
    case "sandbox": lines = try await runSandboxBenchmarks()
    case "node": lines = try await runNodeBenchmarks() + runFloodBenchmarks()
    case "node.flood": lines = try await runFloodBenchmarks()
    case "sim": lines = try runSimBenchmarks()
    case "e2e": lines = try await runEndToEndBenchmarks()
    case "cluster": lines = try await runClusterBenchmarks()
    default:
        print("# \(group): not built yet")
        continue
    }
    for line in lines { print(line.printed) }
}
