import Crypto

/// Every transaction kind of DESIGN §3. Encoded flat: `{"type":"RequestProof", …fields of the body…}`.
public enum TransactionBody: Sendable, Hashable {
    case transfer(Transfer)
    case mint(Mint)
    case deployProgram(DeployProgram)
    case requestProof(RequestProof)
    case requestVerification(RequestVerification)
    case submitWorkflow(SubmitWorkflow)
    case cancelTask(CancelTask)
    case registerWorker(RegisterWorker)
    case announceExit(AnnounceExit)
    case acceptTask(AcceptTask)
    case declineTask(DeclineTask)
    case submitResult(SubmitResult)
    case commitVote(CommitVote)
    case revealVote(RevealVote)
    case createProverSet(CreateProverSet)
    case joinProverSet(JoinProverSet)
    case blockProgram(BlockProgram)
    case retireProgram(RetireProgram)
    case retireProverSet(RetireProverSet)

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case Transfer, Mint, DeployProgram, RequestProof, RequestVerification, SubmitWorkflow, CancelTask
        case RegisterWorker, AnnounceExit, AcceptTask, DeclineTask, SubmitResult, CommitVote, RevealVote
        case CreateProverSet, JoinProverSet, BlockProgram, RetireProgram, RetireProverSet

        /// Largest canonical encoding accepted for a transaction of this kind, in bytes.
        public var sizeLimit: Int {
            switch self {
            case .Transfer, .Mint, .AnnounceExit, .AcceptTask, .DeclineTask, .CommitVote, .RevealVote, .JoinProverSet, .CancelTask, .BlockProgram,
                 .RetireProgram, .RetireProverSet: return 2_048
            case .RegisterWorker: return 8_192
            case .DeployProgram: return 32_768
            case .RequestProof, .RequestVerification, .SubmitResult, .CreateProverSet: return 65_536
            case .SubmitWorkflow: return 262_144
            }
        }

        /// A worker's duty (accepting, declining, delivering, voting), a worker leaving, or the authority minting: free,
        /// so an honest worker never pays to work and can leave with no balance — and a duty is admitted only for work
        /// the chain assigned to its sender. Every other kind pays the transaction fee (docs/PROTOCOL.md "Transaction fees").
        public var isFree: Bool {
            switch self {
            case .AcceptTask, .DeclineTask, .SubmitResult, .CommitVote, .RevealVote, .AnnounceExit, .Mint: true
            default: false
            }
        }
    }

    public var kind: Kind {
        switch self {
        case .transfer: .Transfer
        case .mint: .Mint
        case .deployProgram: .DeployProgram
        case .requestProof: .RequestProof
        case .requestVerification: .RequestVerification
        case .submitWorkflow: .SubmitWorkflow
        case .cancelTask: .CancelTask
        case .registerWorker: .RegisterWorker
        case .announceExit: .AnnounceExit
        case .acceptTask: .AcceptTask
        case .declineTask: .DeclineTask
        case .submitResult: .SubmitResult
        case .commitVote: .CommitVote
        case .revealVote: .RevealVote
        case .createProverSet: .CreateProverSet
        case .joinProverSet: .JoinProverSet
        case .blockProgram: .BlockProgram
        case .retireProgram: .RetireProgram
        case .retireProverSet: .RetireProverSet
        }
    }

}

extension TransactionBody: Codable {
    private enum TypeKey: String, CodingKey { case type }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: TypeKey.self)
        let kindName = try container.decode(String.self, forKey: .type)
        guard let kind = Kind(rawValue: kindName) else {
            throw DecodingError.dataCorruptedError(forKey: .type, in: container,
                debugDescription: "unknown transaction type '\(kindName)'; expected one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        switch kind {
        case .Transfer: self = .transfer(try Transfer(from: decoder))
        case .Mint: self = .mint(try Mint(from: decoder))
        case .DeployProgram: self = .deployProgram(try DeployProgram(from: decoder))
        case .RequestProof: self = .requestProof(try RequestProof(from: decoder))
        case .RequestVerification: self = .requestVerification(try RequestVerification(from: decoder))
        case .SubmitWorkflow: self = .submitWorkflow(try SubmitWorkflow(from: decoder))
        case .CancelTask: self = .cancelTask(try CancelTask(from: decoder))
        case .RegisterWorker: self = .registerWorker(try RegisterWorker(from: decoder))
        case .AnnounceExit: self = .announceExit(AnnounceExit())
        case .AcceptTask: self = .acceptTask(try AcceptTask(from: decoder))
        case .DeclineTask: self = .declineTask(try DeclineTask(from: decoder))
        case .SubmitResult: self = .submitResult(try SubmitResult(from: decoder))
        case .CommitVote: self = .commitVote(try CommitVote(from: decoder))
        case .RevealVote: self = .revealVote(try RevealVote(from: decoder))
        case .CreateProverSet: self = .createProverSet(try CreateProverSet(from: decoder))
        case .JoinProverSet: self = .joinProverSet(try JoinProverSet(from: decoder))
        case .BlockProgram: self = .blockProgram(try BlockProgram(from: decoder))
        case .RetireProgram: self = .retireProgram(try RetireProgram(from: decoder))
        case .RetireProverSet: self = .retireProverSet(try RetireProverSet(from: decoder))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: TypeKey.self)
        try container.encode(kind.rawValue, forKey: .type)
        switch self {
        case .transfer(let body): try body.encode(to: encoder)
        case .mint(let body): try body.encode(to: encoder)
        case .deployProgram(let body): try body.encode(to: encoder)
        case .requestProof(let body): try body.encode(to: encoder)
        case .requestVerification(let body): try body.encode(to: encoder)
        case .submitWorkflow(let body): try body.encode(to: encoder)
        case .cancelTask(let body): try body.encode(to: encoder)
        case .registerWorker(let body): try body.encode(to: encoder)
        case .announceExit: break
        case .acceptTask(let body): try body.encode(to: encoder)
        case .declineTask(let body): try body.encode(to: encoder)
        case .submitResult(let body): try body.encode(to: encoder)
        case .commitVote(let body): try body.encode(to: encoder)
        case .revealVote(let body): try body.encode(to: encoder)
        case .createProverSet(let body): try body.encode(to: encoder)
        case .joinProverSet(let body): try body.encode(to: encoder)
        case .blockProgram(let body): try body.encode(to: encoder)
        case .retireProgram(let body): try body.encode(to: encoder)
        case .retireProverSet(let body): try body.encode(to: encoder)
        }
    }
}

/// Which chain a transaction is for: its ID and the hash of its genesis. Both are covered by every signature, so two
/// chains that happen to share an ID never accept each other's transactions.
public struct ChainIdentity: Codable, Sendable, Hashable {
    public var chainID: String
    public var genesisHash: String

    public init(chainID: String, genesisHash: String) {
        self.chainID = chainID
        self.genesisHash = genesisHash
    }
}

extension Genesis {
    public var identity: ChainIdentity { ChainIdentity(chainID: chainID, genesisHash: hash) }
}

/// The part of a transaction that is signed: what travels (`chainID`, `sender`, `nonce`, `body`) and the genesis
/// hash of the chain it is for, which does not travel (every validator knows its own) but is signed.
public struct UnsignedTransaction: Codable, Sendable, Hashable {
    public var chainID: String
    /// The genesis hash of the chain, hex; signed, not sent.
    public var genesis: String
    /// Sender's Ed25519 public key, hex.
    public var sender: String
    public var nonce: UInt64
    public var body: TransactionBody

    public init(chain: ChainIdentity, sender: String, nonce: UInt64, body: TransactionBody) {
        self.chainID = chain.chainID; self.genesis = chain.genesisHash; self.sender = sender; self.nonce = nonce; self.body = body
    }

    public var chain: ChainIdentity { ChainIdentity(chainID: chainID, genesisHash: genesis) }

    /// `"prova/tx/v2"` ‖ 0x00 ‖ canonical JSON of `{body, chainID, genesis, nonce, sender}`: the bytes the signature covers.
    public func signingBytes() throws -> [UInt8] {
        var bytes = Array(SignedTransaction.domainTag.utf8)
        bytes.append(0)
        bytes.append(contentsOf: try CanonicalJSON.encode(self))
        return bytes
    }

    public func signed(by key: AccountKey) throws -> SignedTransaction {
        SignedTransaction(unsigned: self, signature: key.sign(try signingBytes()))
    }
}

public struct SignedTransaction: Codable, Sendable, Hashable {
    public static let domainTag = "prova/tx/v2"

    public var chainID: String
    public var sender: String
    public var nonce: UInt64
    public var body: TransactionBody
    public var signature: String

    public init(unsigned: UnsignedTransaction, signature: String) {
        chainID = unsigned.chainID; sender = unsigned.sender; nonce = unsigned.nonce; body = unsigned.body; self.signature = signature
    }

    /// What was signed, for a chain with genesis hash `genesisHash`.
    public func unsigned(genesisHash: String) -> UnsignedTransaction {
        UnsignedTransaction(chain: ChainIdentity(chainID: chainID, genesisHash: genesisHash), sender: sender, nonce: nonce, body: body)
    }

    /// Checks everything that needs no state: chain, signature, size limit and shape.
    /// Returns the transaction with its hash and sender address, computed once.
    public func verified(chain: ChainIdentity) throws -> VerifiedTransaction {
        guard chainID == chain.chainID else {
            throw ProvaCoreError(.wrongChain, "transaction is for chain '\(chainID)' but this is chain '\(chain.chainID)'; sign it with the right --chain-id")
        }
        guard let address = Addresses.from(publicKeyHex: sender) else {
            throw ProvaCoreError(.badSender, "sender must be a 32-byte Ed25519 public key in hex")
        }
        guard nonce <= Limits.maxNonce else {
            throw ProvaCoreError(.invalidField, "nonce: must be at most \(Limits.maxNonce) (got \(nonce))")
        }
        let bytes = try Self.signingBytesOrError(unsigned(genesisHash: chain.genesisHash))
        guard bytes.count <= body.kind.sizeLimit + 512 else {
            throw ProvaCoreError(.tooLarge, "\(body.kind.rawValue) is \(bytes.count) bytes; the limit is \(body.kind.sizeLimit). Put large data in blobs and reference them by digest")
        }
        guard Addresses.verify(signatureHex: signature, publicKeyHex: sender, message: bytes) else {
            throw ProvaCoreError(.badSignature, "the signature does not match the transaction; sign the exact canonical bytes (with this chain's genesis hash, from GET /v1/status) with the sender's key")
        }
        try body.validateShape()
        guard let signatureBytes = Hex.decode(signature) else {
            throw ProvaCoreError(.badSignature, "signature is not hex")
        }
        var hasher = SHA256()
        hasher.update(data: bytes)
        hasher.update(data: signatureBytes)
        return VerifiedTransaction(transaction: self, hash: Hex.encode(hasher.finalize()), senderAddress: address, size: bytes.count)
    }

    private static func signingBytesOrError(_ unsigned: UnsignedTransaction) throws -> [UInt8] {
        do { return try unsigned.signingBytes() } catch {
            throw ProvaCoreError(.badEncoding, "transaction cannot be encoded canonically (floating-point numbers are not allowed)", cause: "\(error)")
        }
    }
}

/// A transaction whose signature, chain and shape have been checked, with its hash and sender address.
public struct VerifiedTransaction: Sendable, Hashable {
    public let transaction: SignedTransaction
    public let hash: TransactionHash
    public let senderAddress: Address
    /// Bytes of the signed canonical encoding: what the size part of the transaction fee is charged on.
    public let size: Int

    public var body: TransactionBody { transaction.body }
    public var nonce: UInt64 { transaction.nonce }

    init(transaction: SignedTransaction, hash: TransactionHash, senderAddress: Address, size: Int) {
        self.transaction = transaction
        self.hash = hash
        self.senderAddress = senderAddress
        self.size = size
    }

    /// A transaction taken as verified without checking any signature: for the simulator, which drives the real
    /// ledger with millions of transactions from senders it controls. Never use it on input from a network.
    /// `size` is what the fee's size part is charged on (the simulator passes an estimate; 0 charges the base fee only).
    /// `variant` stands for what makes two transactions of one sender and nonce different (their bodies and signatures):
    /// the simulator's grinding attacker tries variants to change the hash, hence the task ID.
    public static func unchecked(sender: Address, nonce: UInt64, body: TransactionBody, chainID: String, size: Int = 0,
                                 variant: Int = 0) -> VerifiedTransaction {
        let transaction = SignedTransaction(unsigned: UnsignedTransaction(chain: ChainIdentity(chainID: chainID, genesisHash: ""), sender: "", nonce: nonce,
                                                                          body: body), signature: "")
        let hash = SHA256Hex.of(variant == 0 ? "prova/unchecked|\(chainID)|\(sender)|\(nonce)" : "prova/unchecked|\(chainID)|\(sender)|\(nonce)|\(variant)")
        return VerifiedTransaction(transaction: transaction, hash: hash, senderAddress: sender, size: size)
    }
}
