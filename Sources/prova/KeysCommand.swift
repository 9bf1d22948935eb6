import ArgumentParser
import Foundation
import ProvaClient

/// `prova keys`: the local key store. Keys never leave this machine; only signatures do.
struct KeysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keys",
        abstract: "Create and list signing keys ($PROVA_HOME/keys, default ~/.prova/keys).",
        subcommands: [New.self, List.self, Show.self, Import.self])

    /// What `--json` prints for a key: never the seed.
    struct PublicKeyInfo: Codable {
        var name: String
        var address: String
        var publicKey: String
        var file: String
        init(_ key: StoredKey, store: KeyStore) {
            name = key.name; address = key.address; publicKey = key.publicKey; file = store.file(for: key.name).path
        }
    }

    struct New: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Generate a new key.",
            discussion: "The key file (mode 0600) holds the private seed: whoever reads it controls the account. Back it up.")
        @Argument(help: "Key name: letters, digits, '-', '_', '.'.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let store = KeyStore.standard()
                let key = try store.create(name)
                if json { return try Output.json(PublicKeyInfo(key, store: store)) }
                print("created key '\(key.name)'")
                Output.fields([("address", key.address), ("public key", key.publicKey), ("file", store.file(for: key.name).path)])
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored keys.")
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let store = KeyStore.standard()
                let keys = try store.list()
                if json { return try Output.json(keys.map { PublicKeyInfo($0, store: store) }) }
                guard !keys.isEmpty else {
                    return print("no keys in \(store.directory.path); create one with `prova keys new NAME`")
                }
                Output.table(["NAME", "ADDRESS"], keys.map { [$0.name, $0.address] })
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a key's address and public key (never its seed).")
        @Argument(help: "Key name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let store = KeyStore.standard()
                let key = try store.info(name)
                _ = try key.accountKey()
                if json { return try Output.json(PublicKeyInfo(key, store: store)) }
                Output.fields([("name", key.name), ("address", key.address), ("public key", key.publicKey), ("file", store.file(for: key.name).path)])
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Store an existing key; reads its 64-hex-character seed from stdin.",
            discussion: "Example: prova keys import alice < alice.seed")
        @Argument(help: "Key name.") var name: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            try await reportingErrors {
                let input = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                let store = KeyStore.standard()
                let key = try store.importKey(name, seedHex: input)
                if json { return try Output.json(PublicKeyInfo(key, store: store)) }
                print("imported key '\(key.name)'")
                Output.fields([("address", key.address), ("file", store.file(for: key.name).path)])
            }
        }
    }
}
