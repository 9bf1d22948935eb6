public import Foundation
public import ProvaCore

/// A key as stored on disk: one JSON file per key, readable by its owner only.
public struct StoredKey: Codable, Sendable, Hashable {
    public var name: String
    public var address: Address
    public var publicKey: String
    /// The 32-byte Ed25519 seed, hex. Whoever reads it controls the account.
    public var seed: String

    public init(name: String, address: Address, publicKey: String, seed: String) {
        self.name = name; self.address = address; self.publicKey = publicKey; self.seed = seed
    }

    /// The key pair; fails when the file's address or public key does not match its seed (a damaged or edited file).
    public func accountKey() throws -> AccountKey {
        let key: AccountKey
        do { key = try AccountKey(seedHex: seed) } catch let error as ProvaCoreError {
            throw ClientError(.badKeyFile, "key '\(name)' is damaged: \(error.message)")
        }
        guard key.publicKeyHex == publicKey, key.address == address else {
            throw ClientError(.badKeyFile, "key '\(name)' is damaged: its address or public key does not match its seed; restore it from a backup")
        }
        return key
    }
}

/// Named keys in a directory: `$PROVA_HOME/keys` (default `~/.prova/keys`), mode 0700, one `NAME.json` per key, mode 0600.
/// Files are created exclusively, so an existing key is never overwritten.
public struct KeyStore: Sendable {
    public let directory: URL

    public init(directory: URL) { self.directory = directory }

    /// The store of the current user: `$PROVA_HOME/keys`, or `~/.prova/keys`.
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment) -> KeyStore {
        if let home = environment["PROVA_HOME"], !home.isEmpty {
            return KeyStore(directory: URL(fileURLWithPath: home).appendingPathComponent("keys"))
        }
        let userHome = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? FileManager.default.homeDirectoryForCurrentUser.path
        return KeyStore(directory: URL(fileURLWithPath: userHome).appendingPathComponent(".prova").appendingPathComponent("keys"))
    }

    /// 1–64 characters: letters, digits, `-`, `_`, `.`, starting with a letter or digit (so a name is never a path).
    public static func validate(name: String) throws {
        let allowed = name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }
        guard (1...64).contains(name.count), allowed, let first = name.unicodeScalars.first, first != ".", first != "-", first != "_" else {
            throw ClientError(.badKeyName, "key name '\(name)' is not allowed; use 1 to 64 letters, digits, '-', '_' or '.', starting with a letter or digit")
        }
    }

    public func file(for name: String) -> URL { directory.appendingPathComponent("\(name).json") }

    /// Every stored key, sorted by name. Files that are not valid keys are skipped.
    public func list() throws -> [StoredKey] {
        guard FileManager.default.fileExists(atPath: directory.path) else { return [] }
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: directory.path) } catch {
            throw ClientError(.keyStoreUnreadable, "cannot list \(directory.path); check its permissions", cause: "\(error)")
        }
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { try? info(String($0.dropLast(5))) }
    }

    /// The stored record of a key (including its seed).
    public func info(_ name: String) throws -> StoredKey {
        try Self.validate(name: name)
        let url = file(for: name)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw ClientError(.unknownKey, "no key named '\(name)' in \(directory.path); create it with `prova keys new \(name)` or list keys with `prova keys list`")
        }
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ClientError(.keyStoreUnreadable, "cannot read \(url.path); check its permissions", cause: "\(error)")
        }
        do { return try JSONDecoder().decode(StoredKey.self, from: data) } catch {
            throw ClientError(.badKeyFile, "\(url.path) is not a Prova key file (expected {name, address, publicKey, seed})", cause: "\(error)")
        }
    }

    /// The key pair of a stored key, checked against its recorded address.
    public func load(_ name: String) throws -> AccountKey {
        try info(name).accountKey()
    }

    /// Generates and stores a new key.
    @discardableResult
    public func create(_ name: String) throws -> StoredKey {
        try store(AccountKey(), as: name)
    }

    /// Stores an existing key given by its 64-hex-character seed.
    @discardableResult
    public func importKey(_ name: String, seedHex: String) throws -> StoredKey {
        let key: AccountKey
        do { key = try AccountKey(seedHex: seedHex.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()) } catch let error as ProvaCoreError {
            throw ClientError(error.code, error.message)
        }
        return try store(key, as: name)
    }

    /// Writes the key file with `O_CREAT|O_EXCL` and mode 0600, after making the directory (mode 0700).
    @discardableResult
    public func store(_ key: AccountKey, as name: String) throws -> StoredKey {
        try Self.validate(name: name)
        try makeDirectory()
        let stored = StoredKey(name: name, address: key.address, publicKey: key.publicKeyHex, seed: key.seedHex)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let bytes: [UInt8]
        do { bytes = Array(try encoder.encode(stored)) + [0x0A] } catch {
            throw ClientError(.badKey, "the key could not be encoded", cause: "\(error)")
        }
        let url = file(for: name)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST {
                throw ClientError(.keyExists, "a key named '\(name)' already exists at \(url.path); choose another name (keys are never overwritten)")
            }
            throw ClientError(.keyStoreUnwritable, "cannot create \(url.path): \(String(cString: strerror(code)))")
        }
        defer { close(fd) }
        // The umask can only remove bits, but be explicit: the seed is the account.
        _ = fchmod(fd, 0o600)
        var written = 0
        while written < bytes.count {
            let result = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if result < 0 {
                if errno == EINTR { continue }
                let code = errno
                unlink(url.path)
                throw ClientError(.keyStoreUnwritable, "writing \(url.path) failed: \(String(cString: strerror(code)))")
            }
            written += result
        }
        guard fsync(fd) == 0 else {
            let code = errno
            unlink(url.path)
            throw ClientError(.keyStoreUnwritable, "saving \(url.path) failed: \(String(cString: strerror(code)))")
        }
        return stored
    }

    private func makeDirectory() throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw ClientError(.keyStoreUnwritable, "cannot create the key directory \(directory.path)", cause: "\(error)")
        }
        // An existing directory may have been created looser (e.g. by hand); keys need it private.
        _ = chmod(directory.path, 0o700)
    }
}
