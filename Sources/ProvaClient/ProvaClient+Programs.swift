public import ProvaCore

/// Typed calls for program owners and for sizing requests: retirement and a program's statistics.
extension ProvaClient {
    /// `RetireProgram` (owner only): the program takes no new requests and the deploy deposit returns to the owner.
    public func retireProgram(_ id: ProgramID, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> TransactionStatus {
        try await send(.retireProgram(RetireProgram(program: id)), signedBy: key, chain: chain)
    }

    /// `GET /v1/programs/{id}/stats`: outcomes, failures by reason and measured usage of the program's newest `limit`
    /// tasks (1 to 1,000; the node's default is 200), with a suggested request.
    public func programStatistics(_ id: ProgramID, limit: Int? = nil) async throws -> ProgramStatistics {
        try await get(Endpoint("programs", id, "stats", query: [("limit", limit.map { String($0) })]))
    }
}

/// Typed calls for custom prover sets (DESIGN §7).
extension ProvaClient {
    /// `CreateProverSet`: listed members and/or label selectors; a 1-credit deposit (genesis default) is held until retired.
    public func createProverSet(_ body: CreateProverSet, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> TransactionStatus {
        try await send(.createProverSet(body), signedBy: key, chain: chain)
    }

    /// `JoinProverSet`, sent by a registered worker's key: it opts in, and serves the set's requests if admitted.
    public func joinProverSet(_ name: String, signedBy workerKey: AccountKey, chain: ChainIdentity? = nil) async throws -> TransactionStatus {
        try await send(.joinProverSet(JoinProverSet(name: name)), signedBy: workerKey, chain: chain)
    }

    /// `RetireProverSet` (owner only): no new request may name it; the deposit returns.
    public func retireProverSet(_ name: String, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> TransactionStatus {
        try await send(.retireProverSet(RetireProverSet(name: name)), signedBy: key, chain: chain)
    }

    /// The active workers a request naming the set can draw from: joined, and listed or matching every label.
    public func eligibleWorkers(inProverSet name: String) async throws -> (set: ProverSet, workers: [Worker]) {
        let set = try await proverSet(name)
        let active = try await workers(status: .active)
        return (set, active.filter { set.admits($0) })
    }
}

/// Typed calls about an account's money.
extension ProvaClient {
    /// `GET /v1/accounts/{address}/history`: fees, escrows, refunds, rewards, slashes…, newest first. `limit` 1 to 200
    /// (default 50); pass the previous page's `next` as `before` to read older entries.
    public func accountHistory(_ address: Address, limit: Int? = nil, before: String? = nil) async throws -> AccountHistory {
        try await get(Endpoint("accounts", address, "history", query: [("limit", limit.map { String($0) }), ("before", before)]))
    }
}
