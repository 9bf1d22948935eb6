import ProvaClient
import ProvaCore

/// Before a request names a prover set: who in it can be drawn, and a warning when too few can (a proof needs a
/// prover plus `verifiers` others; a verify-only request needs `verifiers`).
enum ProverSetEligibility {
    /// Prints the eligible workers on stderr (stdout stays the command's answer) and warns when they are too few.
    static func report(_ client: ProvaClient, set name: String, verifiers: Int64, needsProver: Bool) async throws {
        let (_, eligible) = try await client.eligibleWorkers(inProverSet: name)
        let needed = Int(verifiers) + (needsProver ? 1 : 0)
        let list = eligible.isEmpty ? "none" : eligible.map { Output.short($0.address) }.joined(separator: ", ")
        Output.standardError("prover set '\(name)': \(eligible.count) eligible worker(s): \(list)")
        guard eligible.count < needed else { return }
        let role = needsProver ? "a prover and \(verifiers) verifier(s)" : "\(verifiers) verifier(s)"
        let consequence: String
        let voters = eligible.count - (needsProver ? 1 : 0)
        if eligible.isEmpty {
            consequence = "nobody can take it until a worker joins"
        } else if voters <= 0 {
            consequence = needsProver ? "with no other worker to verify it, the proof is accepted unverified" : "nobody can verify it, so it is refunded"
        } else {
            consequence = "the votes are lowered to the \(voters) that can verify"
        }
        Output.standardError("warning: '\(name)' has \(eligible.count) active, joined worker(s) but \(role) need \(needed): \(consequence). "
            + "Ask workers to run `prova prover-set join \(name)`, or lower --verifiers")
    }
}
