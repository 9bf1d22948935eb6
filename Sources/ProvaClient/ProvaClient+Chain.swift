public import ProvaCore

/// The read routes of docs/API.md ("Reading the chain"), the quote, the stats and the devnet faucet.
extension ProvaClient {
    public func status() async throws -> ChainStatus {
        try await get(Endpoint("status"))
    }

    /// Newest first; `limit` ≤ 100 (the node's default is 20); `before` lists blocks below that height.
    public func blocks(limit: Int? = nil, before: UInt64? = nil) async throws -> [BlockSummary] {
        try await get(Endpoint("blocks", query: [("limit", limit.map { String($0) }), ("before", before.map { String($0) })]))
    }

    /// The genesis the node's chain started from (check its `hash` against one you trust).
    public func genesis() async throws -> Genesis {
        try await get(Endpoint("genesis"))
    }

    public func block(height: UInt64) async throws -> BlockDetail {
        try await get(Endpoint("blocks", String(height)))
    }

    /// The account (zero balance if it never received credits), its `nextNonce`, and its worker record if any.
    public func account(_ address: Address) async throws -> AccountView {
        try await get(Endpoint("accounts", address))
    }

    public func programs(limit: Int? = nil) async throws -> [Program] {
        try await get(Endpoint("programs", query: [("limit", limit.map { String($0) })]))
    }

    public func program(_ id: ProgramID) async throws -> Program {
        try await get(Endpoint("programs", id))
    }

    /// Newest first; the filters combine with AND.
    public func tasks(state: TaskState? = nil, requester: Address? = nil, program: ProgramID? = nil, worker: Address? = nil,
                      limit: Int? = nil) async throws -> [TaskRecord] {
        try await get(Endpoint("tasks", query: [
            ("state", state?.rawValue), ("requester", requester), ("program", program), ("worker", worker), ("limit", limit.map { String($0) }),
        ]))
    }

    public func task(_ id: TaskID) async throws -> TaskRecord {
        try await get(Endpoint("tasks", id))
    }

    /// The offline-checkable certificate of a verified task (`ProofCertificate.check(genesis:)` needs no node).
    public func certificate(task id: TaskID) async throws -> ProofCertificate {
        try await get(Endpoint("tasks", id, "certificate"))
    }

    public func workers(status: WorkerStatus? = nil) async throws -> [Worker] {
        try await get(Endpoint("workers", query: [("status", status?.rawValue)]))
    }

    public func worker(_ address: Address) async throws -> Worker {
        try await get(Endpoint("workers", address))
    }

    public func workflows(requester: Address? = nil) async throws -> [Workflow] {
        try await get(Endpoint("workflows", query: [("requester", requester)]))
    }

    public func workflow(_ id: WorkflowID) async throws -> Workflow {
        try await get(Endpoint("workflows", id))
    }

    public func proverSets() async throws -> [ProverSet] {
        try await get(Endpoint("prover-sets"))
    }

    public func proverSet(_ name: String) async throws -> ProverSet {
        try await get(Endpoint("prover-sets", name))
    }

    /// A firm price. Quantities are human units passed through to the node as given (`"32"`, `"190GiB"`, `"5m"`);
    /// `HumanUnits` checks them locally first when you want the error before the round trip.
    public func quote(cpus: String, memory: String, gpus: String? = nil, time: String, redundancy: Int? = nil) async throws -> Quote {
        try await get(Endpoint("quote", query: [
            ("cpus", cpus), ("memory", memory), ("gpus", gpus), ("time", time), ("redundancy", redundancy.map { String($0) }),
        ]))
    }

    public func stats() async throws -> NetworkStats {
        try await get(Endpoint("stats"))
    }

    /// Devnets only (`ChainStatus.faucet`): the node mints `amount` µcr to `address` and waits for the commit.
    public func faucet(address: Address, amount: MicroCredits) async throws -> TransactionStatus {
        try await post(Endpoint("faucet"), json: FaucetRequest(address: address, amount: amount), timeout: requestTimeout + .seconds(30))
    }
}
