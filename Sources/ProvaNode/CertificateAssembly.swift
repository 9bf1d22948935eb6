import HTTPTypes
public import ProvaCore
import ProvaLedger
import ProvaStore

/// `GET /v1/tasks/{id}/certificate`: the offline-checkable certificate of a verified task (`ProofCertificate`),
/// assembled from the committed blocks this validator stores.
extension ValidatorNode {
    public nonisolated func certificate(for task: TaskID) async throws -> ProofCertificate {
        guard let record = await state.tasks[task] else { throw NodeError.notFound("task \(task)") }
        guard record.state == .verified, let number = record.verifiedAttempt, let attempt = record.attempts.first(where: { $0.number == number }),
              let prover = attempt.worker, let result = attempt.result else {
            throw NodeError(.conflict, .notCertifiable, "task \(task) is \(record.state.rawValue), not verified; a certificate exists once its proof is verified")
        }
        guard record.workflow == nil else {
            throw NodeError(.conflict, .notCertifiable, "task \(task) is a workflow step; certificates cover tasks requested on their own")
        }
        let voters = Set(attempt.verifiers.filter { $0.vote == .valid }.map(\.worker))
        do {
            // Every block that committed a transaction of the task also holds an event of it.
            var heights = Set<UInt64>()
            for found in try store.events(after: 0, position: -1, task: task, worker: nil, account: nil, limit: 100_000) { heights.insert(found.height) }
            var resultEntry: CertifiedTransaction?
            var reveals: [CertifiedTransaction] = []
            var requestEntry: CertifiedTransaction?
            for height in heights.sorted() {
                guard let detail = try store.block(height: height) else { continue }
                let hashes = detail.outcomes.sorted { $0.index < $1.index }.map(\.hash)
                for (index, transaction) in detail.block.transactions.enumerated() where index < hashes.count {
                    func entry() throws -> CertifiedTransaction {
                        guard let path = MerkleTree.path(forLeafAt: index, of: hashes) else {
                            throw NodeError(.internalServerError, .internal, "block \(height) has no Merkle path for transaction \(index)")
                        }
                        return CertifiedTransaction(transaction: transaction, header: detail.block.header, blockSignature: detail.block.signature,
                                                    index: index, count: hashes.count, path: path)
                    }
                    let sender = Addresses.from(publicKeyHex: transaction.sender)
                    switch transaction.body {
                    case .requestProof, .requestVerification:
                        if IDs.task(fromTransaction: hashes[index]) == task { requestEntry = try entry() }
                    case .submitResult(let submitted) where submitted.task == task && submitted.attempt == number && sender == prover && resultEntry == nil:
                        resultEntry = try entry()
                    case .revealVote(let reveal) where reveal.task == task && reveal.attempt == number && reveal.verdict == .valid && sender.map(voters.contains) == true:
                        reveals.append(try entry())
                    default:
                        continue
                    }
                }
            }
            guard let requestEntry, let resultEntry else {
                throw NodeError(.conflict, .notCertifiable, "task \(task) was not requested by a transaction of its own (a capacity test), or the blocks that committed its request and result are not stored here")
            }
            return ProofCertificate(chainID: chain.chainID, genesisHash: chain.genesisHash, task: task, attempt: number, prover: prover,
                                    outputs: result.outputs, transactions: [requestEntry, resultEntry] + reveals)
        } catch let error as StoreError {
            throw NodeError(error)
        }
    }
}
