// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Prova",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProvaCore", targets: ["ProvaCore"]),
        .library(name: "ProvaLedger", targets: ["ProvaLedger"]),
        .library(name: "ProvaSandbox", targets: ["ProvaSandbox"]),
        .executable(name: "prova", targets: ["prova"]),
        .executable(name: "prova-bench", targets: ["ProvaBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // Pure: value types, units, canonical encoding, keys, pricing. No I/O, no clock.
        .target(name: "ProvaCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Pure: the deterministic state machine.
        .target(name: "ProvaLedger", dependencies: ["ProvaCore"]),
        // Edge: OCI images and runc execution.
        .target(name: "ProvaSandbox", dependencies: ["ProvaCore", .product(name: "Crypto", package: "swift-crypto")]),
        // Edge: SQLite persistence of blocks and state (GRDB), content-addressed blobs on disk.
        .target(name: "ProvaStore", dependencies: ["ProvaCore", "ProvaLedger", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]),
        // Edge: the validator daemon: mempool, block production, HTTP API, SSE, blobs, metrics.
        .target(name: "ProvaNode", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaStore",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Resources")]),
        // Edge: the Swift SDK over the HTTP API.
        .target(name: "ProvaClient", dependencies: [
            "ProvaCore", .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // Edge: the prover-node daemon: registration, acceptance, proving, verifying, uploads.
        .target(name: "ProvaWorker", dependencies: [
            "ProvaCore", "ProvaSandbox", "ProvaClient",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Edge: the embedded default network: one validator and N workers in one process.
        .target(name: "ProvaDevnet", dependencies: [
            "ProvaCore", "ProvaNode", "ProvaWorker", "ProvaClient", "ProvaSandbox",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // Pure: the network simulator driving the real ledger.
        .target(name: "ProvaSim", dependencies: ["ProvaCore", "ProvaLedger"]),
        // Fakes and harnesses for tests, benchmarks and the simulator.
        .target(name: "ProvaTesting", dependencies: ["ProvaCore", "ProvaLedger"]),
        .executableTarget(name: "prova", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaStore", "ProvaNode", "ProvaClient", "ProvaSim", "ProvaWorker", "ProvaSandbox", "ProvaDevnet",
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ProvaBench", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaTesting", "ProvaSandbox", "ProvaSim", "ProvaNode", "ProvaClient", "ProvaDevnet",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "ProvaCoreTests", dependencies: ["ProvaCore"]),
        .testTarget(name: "ProvaLedgerTests", dependencies: ["ProvaCore", "ProvaLedger", "ProvaTesting"]),
        .testTarget(name: "ProvaClientTests", dependencies: ["ProvaCore", "ProvaClient"]),
        .testTarget(name: "ProvaSimTests", dependencies: ["ProvaCore", "ProvaLedger", "ProvaSim", "ProvaTesting"]),
        .testTarget(name: "ProvaNodeTests", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaStore", "ProvaNode", "ProvaClient", "ProvaTesting",
            .product(name: "HummingbirdTesting", package: "hummingbird"),
        ]),
        .testTarget(name: "ProvaWorkerTests", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaNode", "ProvaClient", "ProvaWorker", "ProvaSandbox", "ProvaTesting",
        ]),
        .testTarget(name: "ProvaExamplesTests", dependencies: ["ProvaCore", "ProvaSandbox", "ProvaTesting"]),
        .testTarget(name: "ProvaEndToEndTests", dependencies: ["ProvaCore", "ProvaClient", "ProvaTesting"]),
        .testTarget(name: "ProvaSandboxTests", dependencies: ["ProvaCore", "ProvaSandbox", "ProvaTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
