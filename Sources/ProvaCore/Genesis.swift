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

    public var chainID: String
    public var timestampMilliseconds: Milliseconds
    /// Address allowed to Mint and BlockProgram.
    public var authority: Address
    public var parameters: ChainParameters
    public var accounts: [FundedAccount]
    public var workers: [InitialWorker]
    public var treasury: MicroCredits
    /// The benchmark program every new worker must prove and have verified before it is active.
    public var capacityTestProgram: DeployProgram

    public init(chainID: String, timestampMilliseconds: Milliseconds, authority: Address, parameters: ChainParameters = .genesisDefaults,
                accounts: [FundedAccount] = [], workers: [InitialWorker] = [], treasury: MicroCredits = 0, capacityTestProgram: DeployProgram) {
        self.chainID = chainID; self.timestampMilliseconds = timestampMilliseconds; self.authority = authority; self.parameters = parameters
        self.accounts = accounts; self.workers = workers; self.treasury = treasury; self.capacityTestProgram = capacityTestProgram
    }

    /// Hash of the canonical genesis; the previous hash of block 1.
    public var hash: String {
        CanonicalJSON.hash(of: self)
    }

    /// 253402300799999 ms: the last millisecond of the year 9999.
    public static let latestTimestamp: Milliseconds = 253_402_300_799_999

    public func validate() throws {
        try Check.name(chainID, field: "chainID")
        try Check.address(authority, field: "authority")
        try parameters.validate()
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
