/// A program: SHA-256 of the canonical `DeployProgram` body (everything that changes behaviour).
public typealias ProgramID = String
/// A task: derived from the transaction (or workflow step, or capacity test) that created it.
public typealias TaskID = String
public typealias WorkflowID = String
/// SHA-256 of a transaction's signing bytes followed by its signature.
public typealias TransactionHash = String

/// Deterministic identifiers; each is a SHA-256 over a domain tag and its parts.
public enum IDs {
    public static func task(fromTransaction hash: TransactionHash) -> TaskID {
        SHA256Hex.of("prova/task|\(hash)")
    }

    public static func workflow(fromTransaction hash: TransactionHash) -> WorkflowID {
        SHA256Hex.of("prova/workflow|\(hash)")
    }

    public static func workflowStep(_ workflow: WorkflowID, step: String) -> TaskID {
        SHA256Hex.of("prova/workflow-step|\(workflow)|\(step)")
    }

    public static func capacityTest(worker: Address, height: UInt64) -> TaskID {
        SHA256Hex.of("prova/capacity-test|\(worker)|\(height)")
    }
}
