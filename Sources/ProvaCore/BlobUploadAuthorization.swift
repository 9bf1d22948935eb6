/// Who uploads a blob that no transaction references yet (docs/API.md "Blobs"): an account signs the digest, the
/// chain's genesis hash and an expiry, and the node charges the upload to that account's quota. Sent as
/// `Authorization: Prova-Upload <public key hex> <expires ms> <signature hex>`.
public struct BlobUploadAuthorization: Sendable, Hashable {
    public static let domainTag = "prova/blob-upload/v1"
    public static let scheme = "Prova-Upload"

    /// The uploader's Ed25519 public key, hex.
    public var uploader: String
    public var expiresAtMilliseconds: Milliseconds
    public var signature: String

    /// `"prova/blob-upload/v1"` ‖ 0x00 ‖ genesis hash ‖ 0x00 ‖ digest ‖ 0x00 ‖ expiry (decimal ms): the signed bytes.
    public static func signingBytes(genesisHash: String, digest: String, expiresAtMilliseconds: Milliseconds) -> [UInt8] {
        Array("\(domainTag)\u{0}\(genesisHash)\u{0}\(digest)\u{0}\(expiresAtMilliseconds)".utf8)
    }

    public init(uploader: String, expiresAtMilliseconds: Milliseconds, signature: String) {
        self.uploader = uploader
        self.expiresAtMilliseconds = expiresAtMilliseconds
        self.signature = signature
    }

    /// Signs the upload of `digest` to the chain with `genesisHash` by `key`, valid until `expiresAtMilliseconds`.
    public init(digest: String, genesisHash: String, expiresAtMilliseconds: Milliseconds, key: AccountKey) {
        self.init(uploader: key.publicKeyHex, expiresAtMilliseconds: expiresAtMilliseconds,
                  signature: key.sign(Self.signingBytes(genesisHash: genesisHash, digest: digest, expiresAtMilliseconds: expiresAtMilliseconds)))
    }

    /// Reads an `Authorization` header value; nil when it is not of this scheme or malformed.
    public init?(headerValue: String) {
        let parts = headerValue.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        guard parts.count == 4, parts[0] == Self.scheme, let expires = Milliseconds(parts[2]) else { return nil }
        self.init(uploader: parts[1], expiresAtMilliseconds: expires, signature: parts[3])
    }

    public var headerValue: String { "\(Self.scheme) \(uploader) \(expiresAtMilliseconds) \(signature)" }

    /// The uploader's address, when it signed `digest` for this chain.
    public func signer(of digest: String, genesisHash: String) -> Address? {
        let bytes = Self.signingBytes(genesisHash: genesisHash, digest: digest, expiresAtMilliseconds: expiresAtMilliseconds)
        guard Addresses.verify(signatureHex: signature, publicKeyHex: uploader, message: bytes) else { return nil }
        return Addresses.from(publicKeyHex: uploader)
    }
}

extension TransactionBody {
    /// The blobs this transaction names (inputs, proofs, program images, a result's outputs and logs): a node keeps
    /// them, and accepts their upload from anyone.
    public var referencedBlobs: [String] {
        switch self {
        case .deployProgram(let body): [body.prover.digest, body.verifier.digest]
        case .requestProof(let body): body.inputs.map(\.digest)
        case .requestVerification(let body): (body.inputs + body.proof).map(\.digest)
        case .submitWorkflow(let body): body.steps.flatMap { $0.inputs.compactMap(\.digest) }
        case .submitResult(let body): body.outputs.map(\.digest) + [body.stdoutDigest, body.stderrDigest].compactMap { $0 }
        default: []
        }
    }
}
