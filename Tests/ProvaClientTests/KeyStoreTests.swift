import Foundation
import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient

@Suite(.tags(.unit))
struct KeyStoreTests {
    let root: URL
    let store: KeyStore

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("prova-keystore-\(UUID().uuidString)")
        store = KeyStore(directory: root.appendingPathComponent("keys"))
    }

    private func mode(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    @Test func createdKeyFileIsOwnerOnlyAndDirectoryIsPrivate() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try store.create("alice")
        #expect(try mode(store.file(for: "alice")) == 0o600)
        #expect(try mode(store.directory) == 0o700)
    }

    @Test func roundTripRestoresTheSameKey() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let stored = try store.create("alice")
        let loaded = try store.load("alice")
        #expect(loaded.address == stored.address)
        #expect(loaded.publicKeyHex == stored.publicKey)
        #expect(loaded.seedHex == stored.seed)
        let message: [UInt8] = Array("hello".utf8)
        #expect(Addresses.verify(signatureHex: loaded.sign(message), publicKeyHex: stored.publicKey, message: message))
    }

    @Test func fileHoldsNameAddressPublicKeyAndSeed() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let stored = try store.create("bob")
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: store.file(for: "bob"))) as? [String: String]
        #expect(object == ["name": "bob", "address": stored.address, "publicKey": stored.publicKey, "seed": stored.seed])
    }

    @Test func importKeepsTheGivenSeed() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let key = AccountKey(deterministicFrom: "import-test")
        let stored = try store.importKey("carol", seedHex: key.seedHex.uppercased() + "\n")
        #expect(stored.address == key.address)
        #expect(try store.load("carol").address == key.address)
        #expect(try mode(store.file(for: "carol")) == 0o600)
    }

    @Test func importRefusesABadSeed() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(throws: ClientError.self) { try store.importKey("dave", seedHex: "abc") }
        #expect(!FileManager.default.fileExists(atPath: store.file(for: "dave").path))
    }

    @Test func existingKeyIsNeverOverwritten() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try store.create("alice")
        let error = #expect(throws: ClientError.self) { try store.create("alice") }
        #expect(error?.code == .keyExists)
        #expect(try store.load("alice").address == first.address)
    }

    @Test(arguments: ["", "../evil", "a/b", ".hidden", "-flag", "_x", "white space", "ünïcode", String(repeating: "k", count: 65), "nul\u{0}"])
    func badNamesAreRefused(_ name: String) throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let error = #expect(throws: ClientError.self) { try store.create(name) }
        #expect(error?.code == .badKeyName)
        #expect(!FileManager.default.fileExists(atPath: store.directory.path))
    }

    @Test(arguments: ["alice", "a", "worker-1", "team_key.2", String(repeating: "k", count: 64)])
    func goodNamesAreAccepted(_ name: String) throws {
        try KeyStore.validate(name: name)
    }

    @Test func listIsSortedAndSkipsForeignFiles() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        try store.create("zed")
        try store.create("amy")
        try Data("not json".utf8).write(to: store.directory.appendingPathComponent("junk.json"))
        try Data("x".utf8).write(to: store.directory.appendingPathComponent("README"))
        #expect(try store.list().map(\.name) == ["amy", "zed"])
    }

    @Test func listOfMissingDirectoryIsEmpty() throws {
        #expect(try store.list().isEmpty)
    }

    @Test func unknownKeySaysHowToCreateIt() throws {
        let error = #expect(throws: ClientError.self) { try store.load("nobody") }
        #expect(error?.code == .unknownKey)
        #expect(error?.message.contains("prova keys new nobody") == true)
    }

    @Test func editedKeyFileIsDetected() throws {
        defer { try? FileManager.default.removeItem(at: root) }
        var stored = try store.create("eve")
        stored.address = String(repeating: "0", count: 40)
        try JSONEncoder().encode(stored).write(to: store.file(for: "eve"))
        let error = #expect(throws: ClientError.self) { try store.load("eve") }
        #expect(error?.code == .badKeyFile)
    }

    @Test func standardLocationFollowsProvaHome() {
        #expect(KeyStore.standard(environment: ["PROVA_HOME": "/srv/prova", "HOME": "/home/x"]).directory.path == "/srv/prova/keys")
        #expect(KeyStore.standard(environment: ["HOME": "/home/x"]).directory.path == "/home/x/.prova/keys")
    }
}
