import Foundation

extension ProofCertificate {
    /// Reads a certificate file and checks it against `genesis` (see `check(genesis:)`). The file must be exactly the
    /// certificate's canonical encoding (a final newline aside): any changed byte — even one that still decodes to the
    /// same values — fails, so a certificate has one spelling and a checked file is the file that was issued.
    public static func check(file bytes: [UInt8], genesis: Genesis) throws -> (ProofCertificate, CertificateReport) {
        let certificate: ProofCertificate
        do { certificate = try JSONDecoder().decode(ProofCertificate.self, from: Data(bytes)) } catch {
            throw ProvaCoreError(.badCertificate, "the file is not a Prova proof certificate", cause: "\(error)")
        }
        var body = bytes
        if body.last == UInt8(ascii: "\n") { body.removeLast() }
        guard try CanonicalJSON.encode(certificate) == body else {
            throw ProvaCoreError(.badCertificate, "the certificate is not in its canonical encoding: it was changed after it was issued")
        }
        return (certificate, try certificate.check(genesis: genesis))
    }

    /// Checks every signature, every Merkle path and what the transactions say, with no node.
    public func check(genesis: Genesis) throws -> CertificateReport {
        func refuse(_ message: String) -> ProvaCoreError { ProvaCoreError(.badCertificate, message) }
        guard version == Self.currentVersion else { throw refuse("certificate version \(version) is not one this prova reads (\(Self.currentVersion))") }
        let chain = genesis.identity
        guard chainID == chain.chainID, genesisHash == chain.genesisHash else {
            throw refuse("the certificate is for chain \(chainID) (\(genesisHash.prefix(12))), not for this genesis's \(chain.chainID) (\(chain.genesisHash.prefix(12)))")
        }
        let validators = Set(genesis.validators.map(\.publicKey))
        var verified: [(VerifiedTransaction, BlockHeader)] = []
        for (number, entry) in transactions.enumerated() {
            guard validators.contains(entry.header.proposer) else {
                throw refuse("transaction \(number)'s block \(entry.header.height) is proposed by \(entry.header.proposer.prefix(16)), not a validator of this genesis")
            }
            guard Block.isSigned(entry.header, signature: entry.blockSignature) else {
                throw refuse("transaction \(number)'s block \(entry.header.height) header is not signed by its proposer")
            }
            let transaction: VerifiedTransaction
            do { transaction = try entry.transaction.verified(chain: chain) } catch let error as ProvaCoreError {
                throw refuse("transaction \(number) is not validly signed for this chain: \(error.message)")
            }
            guard MerkleTree.verify(leaf: transaction.hash, index: entry.index, count: entry.count, path: entry.path, root: entry.header.transactionsRoot) else {
                throw refuse("transaction \(number)'s Merkle path does not lead to block \(entry.header.height)'s transactions root")
            }
            verified.append((transaction, entry.header))
        }
        guard let (request, requestHeader) = verified.first else { throw refuse("the certificate holds no transaction") }
        guard IDs.task(fromTransaction: request.hash) == task else {
            throw refuse("the first transaction is not the request of task \(task)")
        }
        let requested: Int64
        switch request.transaction.body {
        case .requestProof(let body): requested = body.verifiers
        case .requestVerification(let body): requested = body.verifiers
        default: throw refuse("the first transaction is a \(request.transaction.body.kind.rawValue), not a proof request")
        }
        guard requested > 0 else { throw refuse("the request asked for no verifier, so no vote makes it verified") }
        guard verified.count >= 2, case .submitResult(let result) = verified[1].0.transaction.body else {
            throw refuse("the second transaction is not the result of task \(task)")
        }
        let resultHeader = verified[1].1
        guard result.task == task, result.attempt == attempt, verified[1].0.senderAddress == prover else {
            throw refuse("the result is for task \(result.task) attempt \(result.attempt) by \(verified[1].0.senderAddress), not the certified one")
        }
        guard result.exitCode == 0, !result.timedOut, !result.oomKilled, result.outputs == outputs else {
            throw refuse("the result is not a successful run with exactly the certified outputs")
        }
        guard resultHeader.height >= requestHeader.height else { throw refuse("the result was committed before the request") }
        let requester = request.senderAddress
        var voters: [Address] = []
        for (transaction, header) in verified.dropFirst(2) {
            guard case .revealVote(let reveal) = transaction.transaction.body, reveal.task == task, reveal.attempt == attempt else {
                throw refuse("a transaction after the result is not a reveal of task \(task) attempt \(attempt)")
            }
            guard reveal.verdict == .valid else { throw refuse("a reveal of the certified attempt votes \(reveal.verdict.rawValue)") }
            let voter = transaction.senderAddress
            guard voter != prover, voter != requester, !voters.contains(voter) else {
                throw refuse("the reveal by \(voter) is the prover's, the requester's or a second one by the same worker")
            }
            guard header.height >= resultHeader.height else { throw refuse("a reveal was committed before the result") }
            voters.append(voter)
        }
        guard Int64(voters.count) * 2 > requested else {
            throw refuse("\(voters.count) valid reveals are no strict majority of the \(requested) verifiers the request asked for")
        }
        return CertificateReport(task: task, attempt: attempt, prover: prover, requester: requester, outputs: outputs, verifiers: voters,
                                 requestedVerifiers: requested, heights: verified.map(\.1.height))
    }
}
