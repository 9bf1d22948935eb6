import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore

extension ProofCommand {
    /// `prova proof verify`: a verify-only request of a proof made elsewhere.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Have the network verify a proof made elsewhere (verify-only request).",
            discussion: """
            --verifiers workers run the program's verifier on the --input files (mounted at /input) and the --proof files \
            (mounted at /proof: one FILE at /proof/<name>, or every file under DIR at its relative path — the directory \
            `prova proof get --out DIR` writes). The fee is the verifier's resources × its time limit × --verifiers; a \
            majority decides. With --wait it prints the votes and the verdict, and exits 0 only for a valid proof.

            Example: prova proof verify --program 3f2a… --proof proof/ --input witness.bin --verifiers 3 --key alice --wait
            """)

        @Option(help: "Program ID (its verifier is run).") var program: String
        @Option(help: ArgumentHelp("The proof: a FILE, or a DIR of files.", valueName: "file|dir")) var proof: String
        @Option(help: ArgumentHelp("An input: FILE or URL#sha256:size (repeatable), as the prover saw it.", valueName: "input")) var input: [String] = []
        @Option(help: "Verifiers voting (1 to 15).") var verifiers: Int64 = 3
        @Option(help: "Draw the verifiers from this prover set only.") var proverSet: String?
        @Flag(help: "Wait for the verdict; exit non-zero unless the proof is valid.") var wait = false
        @Option(help: "With --wait: give up after this long (e.g. 10m).") var timeout = "30m"
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func validate() throws {
            guard (1...Limits.maxVerifiers).contains(verifiers) else {
                throw ValidationError("--verifiers must be 1 to \(Limits.maxVerifiers); a verdict needs at least one vote")
            }
        }

        func run() async throws {
            try await reportingErrors {
                let signer = try key.load()
                let sources = try input.map(InputSource.parse)
                let waitLimit = try HumanUnits.duration(timeout, option: "--timeout")
                let client = try options.client()
                if let proverSet { try await ProverSetEligibility.report(client, set: proverSet, verifiers: verifiers, needsProver: false) }
                let inputs = try await client.prepareInputs(sources, uploader: signer)
                let proofFiles = try await client.prepareProof(URL(fileURLWithPath: proof), uploader: signer)
                let body = RequestVerification(program: program, inputs: inputs, proof: proofFiles, verifiers: verifiers, proverSet: proverSet)
                let status = try await client.requestVerification(body, signedBy: signer)
                let taskID = try client.createdID(status, what: "verify-only request")
                guard let final = try await followRequest(client, status: status, task: taskID, wait: wait, timeoutSeconds: waitLimit,
                                                          json: options.json) else { return }
                let report = VerificationReport(final)
                if options.json {
                    try Output.json(report)
                } else {
                    report.print()
                }
                if report.verdict != .valid { throw ExitCode.failure }
            }
        }
    }
}

/// A verify-only task's outcome: the verdict and every vote.
struct VerificationReport: Codable {
    var verdict: VerificationVerdict
    var votes: [VerifierDuty]
    var task: TaskRecord

    init(_ task: TaskRecord) {
        self.task = task
        verdict = VerificationVerdict(task)
        votes = task.attempts.first?.verifiers ?? []
    }

    func print() {
        let needed = task.attempts.first?.verifiersNeeded ?? Int(task.verifierCount)
        Swift.print("votes (\(votes.filter { $0.state == .voted }.count) of \(needed) needed, \(task.verifierCount) requested):")
        Output.table(["VERIFIER", "DUTY", "VOTE", "EXIT", "STDOUT"], votes.map {
            [$0.worker, $0.state.rawValue, $0.state == .voted ? $0.vote?.rawValue ?? "-" : "-",
             $0.transcript.map { "\($0.exitCode)\($0.timedOut ? " (timed out)" : "")\($0.oomKilled ? " (OOM)" : "")" } ?? "-",
             $0.transcript?.stdoutDigest.map { String($0.prefix(16)) } ?? "-"]
        })
        let words: String
        switch verdict {
        case .valid: words = "valid ✔"
        case .acceptedUnverified: words = "accepted-unverified: valid by \(needed) of \(task.verifierCount) requested verifiers (no more could be drawn)"
        case .invalid: words = "invalid ✘"
        case .undecided: words = "no verdict (\(task.failure ?? "the verifiers could not decide")); the fee was refunded"
        case .pending: words = "pending"
        }
        Output.fields([("verdict", words), ("fee", Output.credits(task.feePerSlot)),
                       ("refunded", task.refunded > 0 ? Output.credits(task.refunded) : nil)])
    }
}
