func runLedgerBenchmarks() throws -> [BenchLine] { [] }
