public import Crypto
public import Foundation

/// An account address: lowercase hex of the first 20 bytes of SHA-256(public key).
public typealias Address = String

/// An Ed25519 key pair held by a user or a worker.
public struct AccountKey: Sendable {
    /// The 32-byte Ed25519 seed; the key object is rebuilt from it when needed so the type stays `Sendable`.
    let seed: [UInt8]
    public let publicKeyHex: String

    public var privateKey: Curve25519.Signing.PrivateKey {
        do {
            return try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        } catch {
            // The seed was validated when this key was made: failing now is a programming error, never a reason to
            // sign with some other key.
            preconditionFailure("a validated Ed25519 seed no longer loads: \(error)")
        }
    }

    private init(validSeed: [UInt8], key: Curve25519.Signing.PrivateKey) {
        seed = validSeed
        publicKeyHex = Hex.encode(key.publicKey.rawRepresentation)
    }

    public init() {
        let key = Curve25519.Signing.PrivateKey()
        self.init(validSeed: Array(key.rawRepresentation), key: key)
    }

    /// Restores a key from its 32-byte seed in hex (the form stored in key files).
    public init(seedHex: String) throws {
        guard let raw = Hex.decode(seedHex), raw.count == 32 else {
            throw ProvaCoreError(.badKey, "a private key is 64 hex characters (a 32-byte Ed25519 seed); the key file is damaged or not a Prova key")
        }
        do {
            self.init(validSeed: raw, key: try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        } catch {
            throw ProvaCoreError(.badKey, "the private key could not be loaded", cause: "\(error)")
        }
    }

    /// A key derived deterministically from a label: for tests, simulations and devnets only.
    public init(deterministicFrom label: String) {
        let digest = Array(SHA256.hash(data: Array("prova-deterministic-key:\(label)".utf8)))
        do {
            self.init(validSeed: digest, key: try Curve25519.Signing.PrivateKey(rawRepresentation: digest))
        } catch {
            // Any 32 bytes are a valid Ed25519 seed; a failure is a programming error, never a reason to use a random key.
            preconditionFailure("a 32-byte Ed25519 seed was refused: \(error)")
        }
    }

    public var seedHex: String { Hex.encode(seed) }
    public var address: Address { Addresses.from(publicKeyHex: publicKeyHex) ?? "" }

    public func sign(_ message: [UInt8]) -> String {
        do {
            return Hex.encode(try privateKey.signature(for: message))
        } catch {
            // Signing with a valid key does not fail; returning an empty signature would hide a programming error.
            preconditionFailure("Ed25519 signing failed: \(error)")
        }
    }
}

public enum Addresses {
    public static func from<Bytes: DataProtocol>(publicKey: Bytes) -> Address {
        Hex.encode(SHA256.hash(data: publicKey).prefix(20))
    }

    /// Address of a hex public key, or nil when it is not a 32-byte key.
    public static func from(publicKeyHex: String) -> Address? {
        guard let raw = Hex.decode(publicKeyHex), raw.count == 32 else { return nil }
        return from(publicKey: raw)
    }

    public static func isValid(_ address: String) -> Bool {
        Hex.isLowercase(address, byteCount: 20)
    }

    /// Verifies an Ed25519 signature (hex) by a public key (hex) over `message`.
    public static func verify(signatureHex: String, publicKeyHex: String, message: [UInt8]) -> Bool {
        guard let signature = Hex.decode(signatureHex), signature.count == 64,
              let key = Hex.decode(publicKeyHex), key.count == 32,
              let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key)
        else { return false }
        return publicKey.isValidSignature(signature, for: message)
    }
}
