import Foundation

/// `prova-bench [ledger|node|sandbox|e2e|sim]`: no argument runs every group.
let groups = ["ledger", "sandbox"]
let requested = CommandLine.arguments.dropFirst()
for name in requested where !groups.contains(name) && !["node", "e2e", "sim"].contains(name) {
    FileHandle.standardError.write(Data("unknown benchmark group '\(name)'; groups: \(groups.joined(separator: ", "))\n".utf8))
    exit(2)
}
let selected = requested.isEmpty ? groups : Array(requested)
for group in selected {
    let lines: [BenchLine]
    switch group {
    case "ledger": lines = try runLedgerBenchmarks()
    case "sandbox": lines = try await runSandboxBenchmarks()
    default:
        print("# \(group): not built yet")
        continue
    }
    for line in lines { print(line.printed) }
}
