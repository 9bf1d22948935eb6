public import ProvaCore

/// Ready-made genesis pieces for tests, benchmarks, the simulator and devnets.
public enum Fixtures {
    /// Digest of an image that exists only in tests; the ledger never looks inside images.
    public static func digest(_ label: String) -> String { SHA256Hex.of("prova-fixture:\(label)") }

    /// The capacity-test program named by test genesis files.
    public static let capacityTestProgram = DeployProgram(
        name: "capacity-test",
        prover: ImageSpec(digest: digest("capacity-test-prover"), command: ["/bin/capacity-test", "prove"]),
        verifier: ImageSpec(digest: digest("capacity-test-verifier"), command: ["/bin/capacity-test", "verify"]),
        defaultResources: Resources(cpuMillicores: 1000, memoryBytes: Units.gib), defaultTimeLimitSeconds: 60,
        verifierResources: Resources(cpuMillicores: 500, memoryBytes: 256 * Units.mib), verifierTimeLimitSeconds: 30)

    /// A prover/verifier pair with small verifier needs.
    public static func program(_ name: String, verifierResources: Resources = Resources(cpuMillicores: 500, memoryBytes: 256 * Units.mib),
                               verifierTimeLimitSeconds: Seconds = 30) -> DeployProgram {
        DeployProgram(name: name,
                      prover: ImageSpec(digest: digest("\(name)-prover"), command: ["/bin/prove"]),
                      verifier: ImageSpec(digest: digest("\(name)-verifier"), command: ["/bin/verify"]),
                      defaultResources: Resources(cpuMillicores: 1000, memoryBytes: Units.gib), defaultTimeLimitSeconds: 60,
                      verifierResources: verifierResources, verifierTimeLimitSeconds: verifierTimeLimitSeconds)
    }

    /// A GPU node of the seed: 64 cores, 380 GiB, 2 GPUs.
    public static let gpuNode = Resources(cpuMillicores: 64_000, memoryBytes: 380 * Units.gib, gpus: 2)
    /// A CPU node of the seed: 96 cores, 768 GiB.
    public static let cpuNode = Resources(cpuMillicores: 96_000, memoryBytes: 768 * Units.gib)

    public static func input(_ name: String, size: ByteCount = 1024) -> InputRef {
        InputRef(path: name, digest: digest("input:\(name)"), size: size)
    }
}
