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

    public init(hash: TransactionHash, index: Int, sender: Address, kind: TransactionBody.Kind, created: String?, firstEvent: Int, eventCount: Int) {
        self.hash = hash; self.index = index; self.sender = sender; self.kind = kind; self.created = created
        self.firstEvent = firstEvent; self.eventCount = eventCount
    }
}
