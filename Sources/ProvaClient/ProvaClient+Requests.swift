public import ProvaCore

/// Typed calls for the transactions a requester sends: proofs, verify-only requests and cancellations. Each signs with
/// `key` at the next nonce, waits for the commit, and throws the ledger's refusal as a `ClientError`.
extension ProvaClient {
    /// `RequestProof`: returns the committed status; `outcome.created` is the task ID (`createdID(_:)`).
    public func requestProof(_ body: RequestProof, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> TransactionStatus {
        try await send(.requestProof(body), signedBy: key, chain: chain)
    }

    /// `RequestVerification`: the program's verifier run by `verifiers` workers on `inputs` and a proof made elsewhere.
    /// The fee (verifier resources × verifier time limit × verifiers) is escrowed; an invalid verdict still pays the verifiers.
    public func requestVerification(_ body: RequestVerification, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> TransactionStatus {
        try await send(.requestVerification(body), signedBy: key, chain: chain)
    }

    /// `CancelTask` of a pending or running proof task (requester only), with what came back.
    public func cancelTask(_ id: TaskID, signedBy key: AccountKey, chain: ChainIdentity? = nil) async throws -> CancelReceipt {
        let status = try await send(.cancelTask(CancelTask(task: id)), signedBy: key, chain: chain)
        return CancelReceipt(status: status, task: id)
    }

    /// The ID a committed transaction created (a program, task or workflow), or an error that says where to look.
    public func createdID(_ status: TransactionStatus, what: String) throws -> String {
        guard let id = status.outcome?.created else {
            throw ClientError(.badAnswer, "the node committed the \(what) in block \(status.height.map(String.init) ?? "?") but did not name it; look it up with `prova account history`")
        }
        return id
    }
}

/// What a cancellation did, read from the events of its transaction.
public struct CancelReceipt: Codable, Sendable, Hashable {
    public var task: TaskID
    public var status: TransactionStatus
    /// Credits returned to the requester.
    public var refunded: MicroCredits
    /// Paid to provers for the part of the time limit they had run.
    public var paidToProvers: MicroCredits
    /// The transaction fee of the cancellation itself.
    public var fee: MicroCredits

    public init(status: TransactionStatus, task: TaskID) {
        self.task = task
        self.status = status
        let events = (status.events ?? []).filter { $0.task == task }
        refunded = events.filter { $0.kind == .refunded }.reduce(0) { $0 + ($1.amount ?? 0) }
        paidToProvers = events.filter { $0.kind == .paid }.reduce(0) { $0 + ($1.amount ?? 0) }
        fee = status.outcome?.fee ?? 0
    }
}

/// The verdict of a verify-only task, from its record.
public enum VerificationVerdict: String, Codable, Sendable, Hashable {
    /// Still waiting for votes.
    case pending
    /// A majority of the requested verifiers voted valid.
    case valid
    /// A majority voted valid, but fewer verifiers than requested could be drawn (a small prover set): `accepted-unverified`.
    case acceptedUnverified
    /// A majority voted invalid.
    case invalid
    /// No verdict: the verifiers failed to run, disagreed, or none could be drawn (the fee is refunded).
    case undecided

    public init(_ task: TaskRecord) {
        guard task.state.isTerminal else { self = .pending; return }
        if task.state == .verified { self = .valid; return }
        if task.state == .acceptedUnverified { self = .acceptedUnverified; return }
        self = task.attempts.first?.state == .rejected ? .invalid : .undecided
    }
}
