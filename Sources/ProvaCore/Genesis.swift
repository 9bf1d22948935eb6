import ProvaVRF

/// The first state of a chain: its ID, parameters, authority, funded accounts, initial workers
/// (for a devnet) and the capacity-test program. Validators of one chain share the same genesis.
public struct Genesis: Codable, Sendable, Hashable {
    public struct FundedAccount: Codable, Sendable, Hashable {
        public var address: Address
        public var balance: MicroCredits
        public init(address: Address, balance: MicroCredits) { self.address = address; self.balance = balance }
    }

    /// A worker that starts active, skipping probation: devnets only, where the operator is trusted.
    public struct InitialWorker: Codable, Sendable, Hashable {
        public var address: Address
        public var capacity: Resources
        public var diskBytes: ByteCount
        public var labels: [String: String]
        public var stake: MicroCredits
        public init(address: Address, capacity: Resources, diskBytes: ByteCount, labels: [String: String] = [:], stake: MicroCredits) {
            self.address = address; self.capacity = capacity; self.diskBytes = diskBytes; self.labels = labels; self.stake = stake
        }
    }

    /// A validator: the key that signs and proves the beacons of the blocks it proposes, and where its API is served.
    public struct Validator: Codable, Sendable, Hashable {
        /// Ed25519 public key, hex.
        public var publicKey: String
        public var url: String
        public init(publicKey: String, url: String) { self.publicKey = publicKey; self.url = url }

        public init(key: AccountKey, url: String) { self.init(publicKey: key.publicKeyHex, url: url) }
    }

    public var chainID: String
    public var timestampMilliseconds: Milliseconds
    /// The validators that may propose blocks (docs/PROTOCOL.md "Beacon").
    public var validators: [Validator]
    /// Address allowed to Mint and BlockProgram.
    public var authority: Address
    public var parameters: ChainParameters
    public var accounts: [FundedAccount]
    public var workers: [InitialWorker]
    public var treasury: MicroCredits
    /// The benchmark program every new worker must prove and have verified before it is active.
    public var capacityTestProgram: DeployProgram

    public init(chainID: String, timestampMilliseconds: Milliseconds, validators: [Validator], authority: Address, parameters: ChainParameters = .genesisDefaults,
                accounts: [FundedAccount] = [], workers: [InitialWorker] = [], treasury: MicroCredits = 0, capacityTestProgram: DeployProgram) {
        self.chainID = chainID; self.timestampMilliseconds = timestampMilliseconds; self.validators = validators
        self.authority = authority; self.parameters = parameters
        self.accounts = accounts; self.workers = workers; self.treasury = treasury; self.capacityTestProgram = capacityTestProgram
    }

    /// Hash of the canonical genesis; the previous hash of block 1.
    public var hash: String {
        CanonicalJSON.hash(of: self)
    }

    /// The beacon block 1 builds on.
    public var beacon: String { Beacon.genesis(hash: hash) }

    /// At most this many validators: every one is a member of the consensus engine's quorum.
    public static let maxValidators = 64

    /// 253402300799999 ms: the last millisecond of the year 9999.
    public static let latestTimestamp: Milliseconds = 253_402_300_799_999

    public func validate() throws {
        try Check.name(chainID, field: "chainID")
        try Check.address(authority, field: "authority")
        try parameters.validate()
        guard (1...Self.maxValidators).contains(validators.count) else {
            throw ProvaCoreError(.badGenesis, "a genesis lists 1 to \(Self.maxValidators) validators; it lists \(validators.count)")
        }
        var validatorKeys = Set<String>()
        for validator in validators {
            guard Hex.isLowercase(validator.publicKey, byteCount: 32), let key = Hex.decode(validator.publicKey), ECVRF.isValidPublicKey(key) else {
                throw ProvaCoreError(.badGenesis, "validator key \(validator.publicKey.prefix(16)) is not a valid Ed25519 public key (64 lowercase hex characters)")
            }
            guard validatorKeys.insert(validator.publicKey).inserted else { throw ProvaCoreError(.badGenesis, "validator \(validator.publicKey.prefix(16)) is listed twice") }
            guard (1...2_048).contains(validator.url.utf8.count), validator.url.hasPrefix("http://") || validator.url.hasPrefix("https://") else {
                throw ProvaCoreError(.badGenesis, "validator \(validator.publicKey.prefix(16))'s url must be an http:// or https:// URL of at most 2,048 bytes")
            }
        }
        try TransactionBody.deployProgram(capacityTestProgram).validateShape()
        // Block times are compared and added to in milliseconds: keep the start far from the ends of Int64.
        guard (0...Self.latestTimestamp).contains(timestampMilliseconds) else {
            throw ProvaCoreError(.badGenesis, "timestampMilliseconds must be between 0 and \(Self.latestTimestamp) (the year 10000)")
        }
        guard (0...Limits.maxSupply).contains(treasury) else { throw ProvaCoreError(.badGenesis, "treasury must be between 0 and \(Limits.maxSupply) µcr") }
        var supply = treasury
        var seen = Set<Address>()
        for account in accounts {
            try Check.address(account.address, field: "accounts.address")
            guard (0...Limits.maxSupply).contains(account.balance) else {
                throw ProvaCoreError(.badGenesis, "account \(account.address) must hold between 0 and \(Limits.maxSupply) µcr")
            }
            supply += account.balance
            guard supply <= Limits.maxSupply else { throw ProvaCoreError(.badGenesis, "the genesis holds more than the supply bound of \(Limits.maxSupply) µcr") }
            guard seen.insert(account.address).inserted else { throw ProvaCoreError(.badGenesis, "account \(account.address) is listed twice") }
        }
        var workers = Set<Address>()
        for worker in self.workers {
            try Check.address(worker.address, field: "workers.address")
            do { try Check.workerCapacity(worker.capacity, field: "workers.capacity") } catch let error as ProvaCoreError {
                throw ProvaCoreError(.badGenesis, "worker \(worker.address): \(error.message)")
            }
            guard (0...Limits.maxSupply).contains(worker.stake) else {
                throw ProvaCoreError(.badGenesis, "worker \(worker.address) must stake between 0 and \(Limits.maxSupply) µcr")
            }
            supply += worker.stake
            guard supply <= Limits.maxSupply else { throw ProvaCoreError(.badGenesis, "the genesis holds more than the supply bound of \(Limits.maxSupply) µcr") }
            guard workers.insert(worker.address).inserted else { throw ProvaCoreError(.badGenesis, "worker \(worker.address) is listed twice") }
        }
    }
}
