import Foundation
import Logging
import ProvaClient
import ProvaCore

/// Signs and sends the worker's transactions.
///
/// One key has one nonce sequence: two transactions signed concurrently would race for the same nonce. So signing
/// and admission to the node's mempool are serialized (time-critical ones, AcceptTask and DeclineTask, jump the
/// queue); waiting for the block is not, so several transactions of this key can share a block. One left out of its
/// block orphans those signed behind it: they fail with a nonce conflict and are signed again. A transport failure
/// resends the *same* signed transaction (the node answers a known one with its status).
actor TransactionSender {
    let client: ProvaClient
    let key: AccountKey
    let chain: ChainIdentity
    let logger: Logger
    let attempts: Int
    let committed: (@Sendable (TransactionBody) async -> Void)?

    private var busy = false
    private var urgentWaiters: [CheckedContinuation<Void, Never>] = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    init(client: ProvaClient, key: AccountKey, chain: ChainIdentity, logger: Logger, attempts: Int = 5,
         committed: (@Sendable (TransactionBody) async -> Void)?) {
        self.client = client; self.key = key; self.chain = chain; self.logger = logger; self.attempts = attempts; self.committed = committed
    }

    /// Signs `body` at the next nonce, calls `signed` with the transaction (to journal it) before it leaves, sends it
    /// and waits for its commit. Throws the node's `ClientError` when the ledger refuses it.
    @discardableResult
    func send(_ body: TransactionBody, urgent: Bool = false,
              signed: (@Sendable (SignedTransaction) async throws -> Void)? = nil) async throws -> TransactionStatus {
        var resigns = 0
        while true {
            let transaction = try await admit(body, urgent: urgent, signed: signed)
            do {
                return try await waitForCommit(transaction)
            } catch let error as ClientError where error.code.isNonceMismatch && resigns < attempts {
                // An earlier transaction of this key was left out of its block, or another took the nonce: sign again.
                resigns += 1
                logger.debug("nonce conflict at block time; signing again", metadata: ["kind": "\(body.kind.rawValue)", "code": "\(error.code)"])
            }
        }
    }

    /// Signs `body` at the next nonce (the node counts this key's transactions still in its mempool), has the node
    /// admit it, and returns without waiting for its block — so the next transaction of this key can be signed at once
    /// and join the same block (a prover's result right behind its acceptance). `waitForCommit` waits for the outcome.
    func admit(_ body: TransactionBody, urgent: Bool = false,
               signed: (@Sendable (SignedTransaction) async throws -> Void)? = nil) async throws -> SignedTransaction {
        await acquire(urgent: urgent)
        defer { release() }
        var resigns = 0
        while true {
            try Task.checkCancellation()
            let nonce = try await retrying("read the account nonce") { try await self.client.account(self.key.address).nextNonce }
            let transaction: SignedTransaction
            do {
                transaction = try UnsignedTransaction(chain: chain, sender: key.publicKeyHex, nonce: nonce, body: body).signed(by: key)
            } catch {
                throw WorkerError(.signingFailed, "the \(body.kind.rawValue) transaction cannot be encoded canonically", cause: "\(error)")
            }
            try await signed?(transaction)
            do {
                _ = try await retrying("send \(body.kind.rawValue)") { try await self.client.submit(transaction) }
                return transaction
            } catch let error as ClientError where error.code.isNonceMismatch && resigns < attempts {
                // Another transaction of this key took the nonce (e.g. one resent after a restart): sign again.
                resigns += 1
                logger.debug("nonce conflict; signing again", metadata: ["kind": "\(body.kind.rawValue)", "code": "\(error.code)"])
            }
        }
    }

    /// Waits for an admitted transaction's block; throws the node's `ClientError` when the ledger left it out.
    @discardableResult
    func waitForCommit(_ transaction: SignedTransaction) async throws -> TransactionStatus {
        let status = try await submitUntilDecided(transaction)
        await committed?(transaction.body)
        return status
    }

    /// Resends a transaction signed earlier (from the journal), unchanged.
    @discardableResult
    func resend(_ transaction: SignedTransaction) async throws -> TransactionStatus {
        await acquire(urgent: false)
        defer { release() }
        let status = try await submitUntilDecided(transaction)
        await committed?(transaction.body)
        return status
    }

    /// Submits and waits for a commit or a rejection, resending the same bytes after transport failures.
    private func submitUntilDecided(_ transaction: SignedTransaction) async throws -> TransactionStatus {
        var status = try await retrying("send \(transaction.body.kind.rawValue)") {
            try await self.client.submit(transaction, waitForCommit: true, timeout: .seconds(30))
        }
        // Still pending after the wait (a slow or busy node): ask again; resubmitting a known transaction is harmless.
        var polls = 0
        while status.status == .pending {
            polls += 1
            guard polls <= 20 else {
                throw WorkerError(.commitTimeout, "transaction \(status.hash) stayed pending for 10 minutes; the node may be stalled — check its log")
            }
            status = try await retrying("wait for \(transaction.body.kind.rawValue)") {
                try await self.client.submit(transaction, waitForCommit: true, timeout: .seconds(30))
            }
        }
        return status
    }

    /// Runs `operation`, retrying transport failures (not the node's refusals) with backoff.
    func retrying<T: Sendable>(_ what: String, _ operation: @Sendable () async throws -> T) async throws -> T {
        var delay = Duration.milliseconds(250)
        var failures = 0
        while true {
            do {
                return try await operation()
            } catch let error as ClientError where error.httpStatus == nil || error.httpStatus == 503 || (error.httpStatus ?? 0) >= 500 {
                failures += 1
                guard failures < attempts else { throw error }
                logger.warning("retrying after a transport failure", metadata: ["what": "\(what)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    // MARK: the queue

    private func acquire(urgent: Bool) async {
        guard busy else {
            busy = true
            return
        }
        await withCheckedContinuation { continuation in
            if urgent { urgentWaiters.append(continuation) } else { waiters.append(continuation) }
        }
    }

    private func release() {
        if !urgentWaiters.isEmpty {
            urgentWaiters.removeFirst().resume()
        } else if !waiters.isEmpty {
            waiters.removeFirst().resume()
        } else {
            busy = false
        }
    }
}
