public import ProvaCore

/// Submitting transactions: the raw route, and `send`, which does nonce, signing and waiting for you.
extension ProvaClient {
    /// `POST /v1/transactions`. Without waiting the answer is `pending`; with `waitForCommit` it is `committed`
    /// (with `height`, `outcome` and `events`) once the transaction is in a block. Any rejection — at entry or at
    /// block time — throws a `ClientError` carrying the node's code and message.
    public func submit(_ transaction: SignedTransaction, waitForCommit: Bool = false, timeout: Duration = .seconds(30)) async throws -> TransactionStatus {
        let seconds = max(1, timeout.components.seconds)
        let endpoint = waitForCommit ? Endpoint("transactions", query: [("wait", "commit"), ("timeout", String(seconds))]) : Endpoint("transactions")
        // The node holds the request for up to `timeout`; give the HTTP exchange a little longer so the node's answer wins.
        let status: TransactionStatus = try await post(endpoint, json: transaction, timeout: (waitForCommit ? timeout : .zero) + requestTimeout)
        if status.status == .rejected {
            let error = status.error ?? APIError(code: .rejected, message: "the transaction was left out of the block")
            throw ClientError(error.code, error.message, cause: "transaction \(status.hash) rejected", httpStatus: 422)
        }
        return status
    }

    /// `GET /v1/transactions/{hash}`: pending, committed (with the transaction, outcome and events) or rejected.
    public func transaction(hash: TransactionHash) async throws -> TransactionStatus {
        try await get(Endpoint("transactions", hash))
    }

    /// The chain this node serves — its ID and genesis hash, both of which every signature covers.
    public func chain() async throws -> ChainIdentity {
        let status = try await status()
        return ChainIdentity(chainID: status.chainID, genesisHash: status.genesisHash)
    }

    /// Signs `body` with `key` at the account's next nonce and submits it, waiting for the commit.
    /// The chain (ID and genesis hash) is read from the node unless given. Checks the body's shape locally first, so a
    /// malformed request fails before any round trip. When another sender of the same key (a worker daemon sending its
    /// duties) takes the nonce first, the body is signed again at the new next nonce, a few times; still, serialize
    /// concurrent `send`s from one key where you can.
    public func send(_ body: TransactionBody, signedBy key: AccountKey, chain: ChainIdentity? = nil,
                     timeout: Duration = .seconds(30)) async throws -> TransactionStatus {
        do {
            try body.validateShape()
        } catch let error as ProvaCoreError {
            throw ClientError(error.code, error.message, cause: error.cause)
        }
        let identity: ChainIdentity
        if let chain { identity = chain } else { identity = try await self.chain() }
        var conflicts = 0
        while true {
            let nonce = try await account(key.address).nextNonce
            let unsigned = UnsignedTransaction(chain: identity, sender: key.publicKeyHex, nonce: nonce, body: body)
            let signed: SignedTransaction
            do { signed = try unsigned.signed(by: key) } catch {
                throw ClientError(.badEncoding, "the transaction cannot be encoded canonically", cause: "\(error)")
            }
            do {
                return try await submit(signed, waitForCommit: true, timeout: timeout)
            } catch let error as ClientError where error.code.isNonceMismatch && conflicts < Self.nonceConflictRetries {
                // Nothing of this transaction was committed (a nonce taken by another is refused whole): sign it again.
                conflicts += 1
            }
        }
    }

    /// How many times `send` signs again after another sender of the key took its nonce.
    static let nonceConflictRetries = 3
}
