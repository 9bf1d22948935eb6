/// What one transaction of a block did.
public struct TransactionOutcome: Sendable, Codable, Hashable {
    public var hash: TransactionHash
    public var index: Int
    public var sender: Address
    public var kind: TransactionBody.Kind
    /// The ID of what the transaction created: a program, task or workflow.
    public var created: String?
    public var firstEvent: Int
    public var eventCount: Int
    /// The transaction fee the sender paid into the treasury (docs/PROTOCOL.md "Transaction fees"); 0 for a duty.
    public var fee: MicroCredits

    public init(hash: TransactionHash, index: Int, sender: Address, kind: TransactionBody.Kind, created: String?, firstEvent: Int, eventCount: Int,
                fee: MicroCredits = 0) {
        self.hash = hash; self.index = index; self.sender = sender; self.kind = kind; self.created = created
        self.firstEvent = firstEvent; self.eventCount = eventCount; self.fee = fee
    }
}
