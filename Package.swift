// swift-tools-version:6.1
import PackageDescription

/// Every target: imports must name what a file uses (`MemberImportVisibility`), so the module boundaries of DESIGN §1
/// are held by the compiler rather than by transitive imports.
let boundaries: [SwiftSetting] = [.enableUpcomingFeature("MemberImportVisibility")]
/// Library targets also keep their imports internal unless a file says `public import`: a dependency that appears in a
/// module's public API is declared where it does.
let libraryBoundaries: [SwiftSetting] = boundaries + [.enableUpcomingFeature("InternalImportsByDefault")]

let crypto: Target.Dependency = .product(name: "Crypto", package: "swift-crypto")
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")
let lifecycle: Target.Dependency = .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")
let httpClient: Target.Dependency = .product(name: "AsyncHTTPClient", package: "async-http-client")
let nioCore: Target.Dependency = .product(name: "NIOCore", package: "swift-nio")

let package = Package(
    name: "Prova",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "ProvaCore", targets: ["ProvaCore"]),
        .library(name: "ProvaLedger", targets: ["ProvaLedger"]),
        .library(name: "ProvaSandbox", targets: ["ProvaSandbox"]),
        .executable(name: "prova", targets: ["prova"]),
        .executable(name: "prova-bench", targets: ["ProvaBench"]),
        .executable(name: "prova-fuzz", targets: ["ProvaFuzz"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        // Pure: ECVRF-EDWARDS25519-SHA512-TAI (RFC 9381) for the block beacon. Optimized in debug builds too: every
        // block proves and checks a beacon, and unoptimized field arithmetic would make the ledger's tests crawl.
        .target(name: "ProvaVRF", dependencies: [crypto], swiftSettings: libraryBoundaries + [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Pure: value types, units, canonical encoding, keys, pricing. No I/O, no clock.
        .target(name: "ProvaCore", dependencies: ["ProvaVRF", crypto], swiftSettings: libraryBoundaries),
        // Pure: the deterministic state machine.
        .target(name: "ProvaLedger", dependencies: ["ProvaCore", crypto], swiftSettings: libraryBoundaries),
        // Edge: OCI images and runc execution; CDI device specs (YAML) for GPUs.
        .target(name: "ProvaSandbox", dependencies: ["ProvaCore", crypto, .product(name: "Yams", package: "Yams")],
                swiftSettings: libraryBoundaries),
        // Edge: SQLite persistence of blocks and state (GRDB), content-addressed blobs on disk.
        .target(name: "ProvaStore", dependencies: [
            "ProvaCore", "ProvaLedger", .product(name: "GRDB", package: "GRDB.swift"), crypto,
        ], swiftSettings: libraryBoundaries),
        // Edge: the validator daemon: mempool, block production, HTTP API, SSE, blobs, metrics.
        .target(name: "ProvaNode", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaStore", httpClient, .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            nioCore, lifecycle, logging,
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Resources")], swiftSettings: libraryBoundaries),
        // Edge: the Swift SDK over the HTTP API.
        .target(name: "ProvaClient", dependencies: [
            "ProvaCore", httpClient, crypto, nioCore,
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: libraryBoundaries),
        // Edge: the prover-node daemon: registration, acceptance, proving, verifying, uploads.
        .target(name: "ProvaWorker", dependencies: [
            "ProvaCore", "ProvaSandbox", "ProvaClient", httpClient, crypto, lifecycle, logging,
        ], swiftSettings: libraryBoundaries),
        // Edge: the embedded default network: one validator and N workers in one process.
        .target(name: "ProvaDevnet", dependencies: [
            "ProvaCore", "ProvaNode", "ProvaWorker", "ProvaClient", "ProvaSandbox", lifecycle,
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            logging, httpClient, nioCore, .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: libraryBoundaries),
        // Pure: the network simulator driving the real ledger.
        .target(name: "ProvaSim", dependencies: ["ProvaCore", "ProvaLedger"], swiftSettings: libraryBoundaries),
        // Fakes and harnesses for tests, benchmarks and the simulator: simulated workers, a scripted runtime, a manual clock,
        // a TCP relay that can be cut.
        .target(name: "ProvaTesting", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaSandbox", nioCore, .product(name: "NIOPosix", package: "swift-nio"),
        ], swiftSettings: libraryBoundaries),
        .executableTarget(name: "prova", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaNode", "ProvaClient", "ProvaSim", "ProvaWorker", "ProvaSandbox", "ProvaDevnet", lifecycle, logging,
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: boundaries),
        .executableTarget(name: "ProvaBench", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaTesting", "ProvaSandbox", "ProvaSim", "ProvaNode", "ProvaClient", "ProvaDevnet",
            httpClient, nioCore, lifecycle, logging,
        ], swiftSettings: boundaries),
        // The fuzz target over decoding, check-on-entry and block application (libFuzzer; scripts/fuzz.sh).
        .target(name: "CFuzzDriver"),
        .executableTarget(name: "ProvaFuzz", dependencies: ["ProvaTesting", "CFuzzDriver"], swiftSettings: boundaries),
        .testTarget(name: "ProvaCoreTests", dependencies: ["ProvaCore", "ProvaVRF", "ProvaTesting", crypto], swiftSettings: boundaries),
        .testTarget(name: "ProvaLedgerTests", dependencies: ["ProvaCore", "ProvaLedger", "ProvaTesting"], swiftSettings: boundaries),
        .testTarget(name: "ProvaClientTests", dependencies: ["ProvaCore", "ProvaClient", "ProvaTesting", httpClient, nioCore], swiftSettings: boundaries),
        .testTarget(name: "ProvaSimTests", dependencies: ["ProvaCore", "ProvaLedger", "ProvaSim", "ProvaTesting"], swiftSettings: boundaries),
        .testTarget(name: "ProvaNodeTests", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaStore", "ProvaNode", "ProvaClient", "ProvaTesting", httpClient, lifecycle, logging, nioCore,
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "HTTPTypes", package: "swift-http-types"),
        ], swiftSettings: boundaries),
        .testTarget(name: "ProvaWorkerTests", dependencies: [
            "ProvaCore", "ProvaLedger", "ProvaNode", "ProvaClient", "ProvaWorker", "ProvaSandbox", "ProvaTesting", lifecycle, logging,
            httpClient, nioCore, .product(name: "NIOHTTP1", package: "swift-nio"),
        ], swiftSettings: boundaries),
        .testTarget(name: "ProvaExamplesTests", dependencies: ["ProvaCore", "ProvaSandbox", "ProvaTesting"], swiftSettings: boundaries),
        .testTarget(name: "ProvaEndToEndTests", dependencies: ["ProvaCore", "ProvaClient", "ProvaTesting", httpClient, nioCore,
                                                             .product(name: "NIOHTTP1", package: "swift-nio")], swiftSettings: boundaries),
        .testTarget(name: "ProvaClusterTests", dependencies: ["ProvaCore", "ProvaClient", "ProvaDevnet", "ProvaNode", "ProvaTesting", httpClient, nioCore,
                                                            .product(name: "NIOHTTP1", package: "swift-nio")],
                    swiftSettings: boundaries),
        .testTarget(name: "ProvaSandboxTests", dependencies: ["ProvaCore", "ProvaSandbox", "ProvaTesting"], swiftSettings: boundaries),
    ],
    swiftLanguageModes: [.v6]
)
