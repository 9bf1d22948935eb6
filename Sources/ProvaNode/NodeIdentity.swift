public import Foundation
public import ProvaCore
import HTTPTypes

/// Files `prova node init` writes: the genesis and the node's key (mode 0600).
public enum NodeFiles {
    struct KeyFile: Codable {
        var name: String
        var address: String
        var publicKey: String
        var seed: String
    }

    public static func writeKey(_ key: AccountKey, name: String, to url: URL) throws {
        let file = KeyFile(name: name, address: key.address, publicKey: key.publicKeyHex, seed: key.seedHex)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(file)
        guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw NodeError(.internalServerError, .keyWriteFailed, "cannot write \(url.path); check the directory exists and is writable")
        }
    }

    public static func readKey(from url: URL) throws -> AccountKey {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw NodeError(.internalServerError, .keyMissing, "no key at \(url.path); run `prova node init` first")
        }
        do {
            return try AccountKey(seedHex: try JSONDecoder().decode(KeyFile.self, from: data).seed)
        } catch {
            throw NodeError(.internalServerError, .keyUnreadable, "\(url.path) is not a Prova key file", cause: "\(error)")
        }
    }

    public static func writeGenesis(_ genesis: Genesis, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(genesis).write(to: url)
    }

    /// Throws unless `key` is one of the genesis validators: a node proposes blocks, and only validators may.
    public static func requireValidator(_ key: AccountKey, of genesis: Genesis) throws {
        guard genesis.validators.contains(where: { $0.publicKey == key.publicKeyHex }) else {
            throw NodeError(.badRequest, .unknownProposer, "this node's key \(key.publicKeyHex.prefix(16)) is not one of the genesis validators (\(genesis.validators.map { $0.publicKey.prefix(16) }.joined(separator: ", "))); give `prova node init --key` the key file of a listed validator")
        }
    }

    public static func readGenesis(from url: URL) throws -> Genesis {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw NodeError(.internalServerError, .genesisMissing, "no genesis at \(url.path); run `prova node init --chain-id ID --data-dir DIR` first")
        }
        do { return try JSONDecoder().decode(Genesis.self, from: data) } catch {
            throw NodeError(.internalServerError, .genesisUnreadable, "\(url.path) is not a valid genesis file", cause: "\(error)")
        }
    }

    /// The API URL a new genesis gives its validator when none is named (the default of `prova node run --listen`).
    public static let defaultValidatorURL = "http://127.0.0.1:8545"

    /// Initializes a data directory: node key and genesis. A new genesis makes the node key its one validator and the
    /// chain authority; a supplied genesis must list `key` among its validators.
    public static func initialize(dataDirectory: URL, chainID: String, genesis supplied: Genesis?, timestampMilliseconds: Milliseconds,
                                  key: AccountKey = AccountKey(), url: String = defaultValidatorURL,
                                  initialAccounts: [Genesis.FundedAccount] = [], workers: [Genesis.InitialWorker] = [],
                                  parameters: ChainParameters = .genesisDefaults,
                                  capacityTestProgram: DeployProgram = CapacityTestProgram.deploy) throws -> (Genesis, AccountKey) {
        let manager = FileManager.default
        let configuration = NodeConfiguration(dataDirectory: dataDirectory)
        if manager.fileExists(atPath: configuration.genesisFile.path) {
            throw NodeError(.conflict, .alreadyInitialized, "\(dataDirectory.path) already holds a node; run it with `prova node run --data-dir \(dataDirectory.path)` or pick a new directory")
        }
        try manager.createDirectory(at: dataDirectory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let genesis = supplied ?? Genesis(
            chainID: chainID, timestampMilliseconds: timestampMilliseconds, validators: [Genesis.Validator(key: key, url: url)],
            authority: key.address, parameters: parameters,
            accounts: initialAccounts.isEmpty ? [Genesis.FundedAccount(address: key.address, balance: 1_000_000 * MicroCredit.perCredit)] : initialAccounts,
            workers: workers, treasury: 0, capacityTestProgram: capacityTestProgram)
        do { try genesis.validate() } catch let error as ProvaCoreError {
            throw NodeError(.badRequest, error.code, "the genesis is invalid: \(error.message)")
        }
        try requireValidator(key, of: genesis)
        try writeKey(key, name: "node", to: configuration.nodeKeyFile)
        try writeGenesis(genesis, to: configuration.genesisFile)
        return (genesis, key)
    }
}

/// The capacity-test program a genesis names (DESIGN §7). Its image is built from the host's busybox by
/// `ProvaWorker.CapacityTestImage.build(at:)`; the digest depends on the busybox binary (Debian updates change it), so
/// a devnet builds the image at init, stores the archive in the node's blob store, and names the digest with
/// `deploy(imageDigest:)`. The script inside proves the declared cores and memory (`PROVA_TEST_*` environment).
public enum CapacityTestProgram {
    /// Where the image puts the test script.
    public static let scriptPath = "/usr/local/bin/prova-capacity-test"

    /// A digest no real image has: genesis files made without building the image (tests of the ledger and node,
    /// which never run the program). Workers decline capacity tests naming it, since no node stores such an image.
    public static let placeholderImageDigest = SHA256Hex.of("prova/capacity-test/v1")
    public static let imageDigest = placeholderImageDigest

    /// The program with the placeholder image.
    public static var deploy: DeployProgram { deploy(imageDigest: placeholderImageDigest) }

    /// The program running the capacity-test image whose archive has SHA-256 `imageDigest`.
    public static func deploy(imageDigest: String) -> DeployProgram {
        DeployProgram(
            name: "capacity-test",
            prover: ImageSpec(digest: imageDigest, command: ["/bin/sh", scriptPath, "prove"]),
            verifier: ImageSpec(digest: imageDigest, command: ["/bin/sh", scriptPath, "verify"]),
            defaultResources: Resources(cpuMillicores: 1000, memoryBytes: 256 * Units.mib), defaultTimeLimitSeconds: 120,
            verifierResources: Resources(cpuMillicores: 250, memoryBytes: 64 * Units.mib), verifierTimeLimitSeconds: 30)
    }
}
