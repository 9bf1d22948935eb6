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
    ],
    targets: [
        // Pure: value types, units, canonical encoding, keys, pricing. No I/O, no clock.
        .target(name: "ProvaCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")]),
        // Pure: the deterministic state machine.
        .target(name: "ProvaLedger", dependencies: ["ProvaCore"]),
        // Edge: OCI images and runc execution.
        .target(name: "ProvaSandbox", dependencies: ["ProvaCore", .product(name: "Crypto", package: "swift-crypto")]),
        // Fakes and harnesses for tests, benchmarks and the simulator.
        .target(name: "ProvaTesting", dependencies: ["ProvaCore", "ProvaLedger"]),
        .executableTarget(name: "prova", dependencies: [
            "ProvaCore", "ProvaLedger",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "ProvaBench", dependencies: ["ProvaCore", "ProvaLedger", "ProvaTesting", "ProvaSandbox"]),
        .testTarget(name: "ProvaCoreTests", dependencies: ["ProvaCore"]),
        .testTarget(name: "ProvaLedgerTests", dependencies: ["ProvaCore", "ProvaLedger", "ProvaTesting"]),
        .testTarget(name: "ProvaSandboxTests", dependencies: ["ProvaCore", "ProvaSandbox"]),
    ],
    swiftLanguageModes: [.v6]
)
