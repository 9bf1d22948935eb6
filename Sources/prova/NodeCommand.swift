import ArgumentParser
import Foundation
import Logging
import ProvaCore
import ProvaNode
import ProvaWorker

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node", abstract: "Initialize and run a validator node.",
        subcommands: [NodeInit.self, NodeRun.self])
}

struct NodeInit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "init", abstract: "Write a genesis and a node key into a data directory.")

    @Option(help: "The chain ID (letters, digits, '-', '_', '.').") var chainId: String
    @Option(help: "Directory for the node's key, genesis, chain database and blobs.") var dataDir: String
    @Option(help: "Use this genesis file instead of a new one (validators of one chain share it).") var genesis: String?
    @Option(help: "This validator's API URL, written into a new genesis's validator list.") var url = NodeFiles.defaultValidatorURL
    @Option(help: "With --genesis: the key file of the validator this node is (one the genesis lists); without, a new key.") var key: String?
    @Option(help: ArgumentHelp("A new chain of several validators: their API URLs, comma-separated; writes DATA_DIR/validator-<i> for each.",
                               valueName: "urls")) var validators: String?

    func run() async throws {
        let directory = URL(fileURLWithPath: dataDir)
        if let validators { return try initializeCluster(validators, in: directory) }
        var supplied: Genesis?
        if let genesis {
            guard let data = FileManager.default.contents(atPath: genesis) else { throw ValidationError("cannot read the genesis file \(genesis)") }
            do { supplied = try JSONDecoder().decode(Genesis.self, from: data) } catch {
                throw ValidationError("\(genesis) is not a Prova genesis: \(error)")
            }
        }
        do {
            // The capacity-test program every new worker must pass: built here from busybox, served by this node.
            var testProgram = CapacityTestProgram.deploy
            if supplied == nil {
                guard !FileManager.default.fileExists(atPath: directory.appendingPathComponent("genesis.json").path) else {
                    throw ValidationError("\(directory.path) already holds a node; run it with `prova node run --data-dir \(dataDir)` or pick a new directory")
                }
                try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
                let images = directory.appendingPathComponent("images")
                try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
                testProgram = CapacityTestProgram.deploy(imageDigest: try CapacityTestImage.build(at: images).digest)
            }
            let chosenKey = try self.key.map { try NodeFiles.readKey(from: URL(fileURLWithPath: $0)) } ?? AccountKey()
            let (written, nodeKey) = try NodeFiles.initialize(dataDirectory: directory, chainID: supplied?.chainID ?? chainId, genesis: supplied,
                                                          timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000),
                                                          key: chosenKey, url: url, capacityTestProgram: testProgram)
            print("initialized chain '\(written.chainID)' in \(directory.path)")
            print("node key:  \(nodeKey.address)\(written.authority == nodeKey.address ? " (chain authority: this node serves the faucet)" : "")")
            print("genesis:   \(directory.appendingPathComponent("genesis.json").path) (\(written.hash.prefix(16)))")
            print("run it:    prova node run --data-dir \(dataDir)")
        } catch let error as NodeError {
            throw ValidationError(error.message)
        }
    }
}

extension NodeInit {
    /// One genesis listing a new key per URL (the first is the chain authority) and a data directory per validator, each
    /// with its key, the genesis and the capacity-test image; each is copied to its machine and run with `--etcd`.
    func initializeCluster(_ list: String, in directory: URL) throws {
        let urls = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (2...Genesis.maxValidators).contains(urls.count), !urls.contains(where: \.isEmpty), Set(urls).count == urls.count else {
            throw ValidationError("--validators takes 2 to \(Genesis.maxValidators) distinct URLs, comma-separated, e.g. http://a:8545,http://b:8545,http://c:8545")
        }
        guard genesis == nil, key == nil else { throw ValidationError("--validators makes a new genesis; it does not take --genesis or --key") }
        guard !FileManager.default.fileExists(atPath: directory.appendingPathComponent("validator-0").path) else {
            throw ValidationError("\(directory.path) already holds validators; pick a new directory")
        }
        let keys = urls.map { _ in AccountKey() }
        do {
            let first = directory.appendingPathComponent("validator-0")
            let images = first.appendingPathComponent("images")
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            let image = try CapacityTestImage.build(at: images)
            let chain = Genesis(chainID: chainId, timestampMilliseconds: Int64(Date().timeIntervalSince1970 * 1000),
                                validators: zip(keys, urls).map { Genesis.Validator(key: $0, url: $1) }, authority: keys[0].address,
                                accounts: [Genesis.FundedAccount(address: keys[0].address, balance: 1_000_000 * MicroCredit.perCredit)],
                                capacityTestProgram: CapacityTestProgram.deploy(imageDigest: image.digest))
            for (index, key) in keys.enumerated() {
                let validator = directory.appendingPathComponent("validator-\(index)")
                _ = try NodeFiles.initialize(dataDirectory: validator, chainID: chainId, genesis: chain, timestampMilliseconds: chain.timestampMilliseconds,
                                             key: key)
                if index > 0 {
                    let copies = validator.appendingPathComponent("images")
                    try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true)
                    try FileManager.default.copyItem(at: image.archive, to: copies.appendingPathComponent(image.archive.lastPathComponent))
                }
                print("validator \(index): \(validator.path)  \(urls[index])  key \(key.address)\(index == 0 ? " (chain authority)" : "")")
            }
            print("genesis:   \(chain.hash.prefix(16)) with \(urls.count) validators")
            print("run each:  prova node run --data-dir DIR --listen HOST:PORT --etcd http://ETCD1:2379,http://ETCD2:2379,http://ETCD3:2379")
        } catch let error as NodeError {
            throw ValidationError(error.message)
        }
    }
}

struct NodeRun: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run", abstract: "Run a validator: HTTP API, block production, events.",
                                                    discussion: "Alone, it is the chain's one validator. With --etcd, it joins the cluster of the validators its genesis lists, ordered through those etcd members (docs/CONSENSUS.md).")

    @Option(help: "The data directory written by `prova node init`.") var dataDir: String
    @Option(help: "Address to listen on, HOST:PORT.") var listen: String = "127.0.0.1:8545"
    @Option(help: ArgumentHelp("Client URLs of the cluster's etcd members, comma-separated: join the validator cluster.", valueName: "urls")) var etcd: String?
    @Option(help: "Blocks the cluster keeps in etcd; older ones are fetched from peers.") var etcdRetainedBlocks: Int = 1_000
    @Option(help: "Log level: trace, debug, info, notice, warning, error.") var logLevel: String = "info"

    func run() async throws {
        guard let separator = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: separator)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:8545")
        }
        let host = String(listen[..<separator])
        var logger = Logger(label: "prova.node")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var configuration = NodeConfiguration(dataDirectory: URL(fileURLWithPath: dataDir), host: host, port: port)
        if let etcd {
            let endpoints = etcd.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard !endpoints.contains(where: \.isEmpty) else { throw ValidationError("--etcd takes comma-separated URLs, e.g. http://127.0.0.1:2379,http://127.0.0.1:22379") }
            configuration.etcdEndpoints = endpoints
        }
        guard (16...1_000_000).contains(etcdRetainedBlocks) else { throw ValidationError("--etcd-retained-blocks must be 16 to 1000000") }
        configuration.etcdRetainedBlocks = etcdRetainedBlocks
        let node: ValidatorNode
        do { node = try ValidatorNode(configuration: configuration, logger: logger) } catch let error as NodeError {
            throw ValidationError(error.message)
        }
        try await NodeServer.run(node: node, logger: logger) { bound in
            // Written straight to the file descriptor: scripts wait for this line, so it must not sit in a buffer.
            FileHandle.standardOutput.write(Data("prova node listening on http://\(host):\(bound)\n".utf8))
        }
    }
}
