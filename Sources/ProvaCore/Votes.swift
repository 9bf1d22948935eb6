import Crypto

/// A verifier's first step: a binding, hiding commitment to its vote (docs/PROTOCOL.md "Verification"). Reveals open
/// only once every drawn verifier has committed or missed its window, so a vote cannot be copied from another.
public struct CommitVote: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    /// `VoteCommitment.make(…)` in hex.
    public var commitment: String
    public init(task: TaskID, attempt: Int, commitment: String) { self.task = task; self.attempt = attempt; self.commitment = commitment }
}

/// A verifier's second step: the vote, the salt and the transcript its commitment was made over.
public struct RevealVote: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public var verdict: Verdict
    /// 32 random bytes in hex, chosen by the verifier when it committed.
    public var salt: String
    public var transcript: VoteTranscript
    public init(task: TaskID, attempt: Int, verdict: Verdict, salt: String, transcript: VoteTranscript) {
        self.task = task; self.attempt = attempt; self.verdict = verdict; self.salt = salt; self.transcript = transcript
    }
}

/// What the verifier's run did — evidence that the vote came from running the verifier on this attempt's proof.
/// The ledger checks that `checked` names exactly the files it had to check and that the verdict follows from the
/// exit status; the digests of the logs let anyone holding them (the verifier uploads them) replay the claim.
public struct VoteTranscript: Codable, Sendable, Hashable {
    public var exitCode: Int32
    public var timedOut: Bool
    public var oomKilled: Bool
    public var stdoutDigest: String?
    public var stderrDigest: String?
    /// `VoteTranscript.checkedDigest(of:)` of the proof files the verifier was given.
    public var checked: String

    public init(exitCode: Int32, timedOut: Bool = false, oomKilled: Bool = false, stdoutDigest: String? = nil, stderrDigest: String? = nil,
                checked: String) {
        self.exitCode = exitCode; self.timedOut = timedOut; self.oomKilled = oomKilled
        self.stdoutDigest = stdoutDigest; self.stderrDigest = stderrDigest; self.checked = checked
    }

    /// The verdict this run supports: the verifier's exit code, or `error` for a run that timed out or was OOM-killed.
    public var verdict: Verdict { timedOut || oomKilled ? .error : Verdict(exitCode: exitCode) }

    /// SHA-256 over "prova/checked/v1" and, for each file in order, its path and digest (each followed by a zero
    /// byte): names the proof files of a duty in 32 bytes.
    public static func checkedDigest(of files: [(path: String, digest: String)]) -> String {
        var hasher = SHA256()
        hasher.update(data: Array("prova/checked/v1".utf8) + [0])
        for file in files { hasher.update(data: Array(file.path.utf8) + [0] + Array(file.digest.utf8) + [0]) }
        return Hex.encode(hasher.finalize())
    }
}

/// The commitment of a vote: SHA-256("prova/vote/v1" ‖ 0 ‖ verdict ‖ 0 ‖ salt (32 bytes) ‖ verifier address ‖ 0 ‖
/// task ‖ 0 ‖ attempt (8 bytes, big-endian) ‖ SHA-256 of the transcript's canonical JSON). The verifier's address and
/// the attempt are inside, so a commitment copied from another verifier or another attempt never opens.
public enum VoteCommitment {
    public static let saltLength = 32

    public static func make(verdict: Verdict, salt: String, verifier: Address, task: TaskID, attempt: Int, transcript: VoteTranscript) -> String? {
        guard Hex.isLowercase(salt, byteCount: saltLength), let saltBytes = Hex.decode(salt),
              let transcriptDigest = Hex.decode(CanonicalJSON.hash(of: transcript)) else { return nil }
        var message = Array("prova/vote/v1".utf8) + [0] + Array(verdict.rawValue.utf8) + [0] + saltBytes
        message += Array(verifier.utf8) + [0] + Array(task.utf8) + [0]
        let number = UInt64(clamping: attempt)
        for shift in stride(from: 56, through: 0, by: -8) { message.append(UInt8(truncatingIfNeeded: number >> UInt64(shift))) }
        message += transcriptDigest
        return Hex.encode(SHA256.hash(data: message))
    }

    /// A fresh random salt in hex.
    public static func randomSalt() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
    }
}

/// A verifier's vote before it is cast: what it commits to first and reveals later. Kept by the verifier (its journal)
/// between the two, since the salt must stay secret until reveals open.
public struct Ballot: Codable, Sendable, Hashable {
    public var task: TaskID
    public var attempt: Int
    public var verdict: Verdict
    public var salt: String
    public var transcript: VoteTranscript

    public init(task: TaskID, attempt: Int, verdict: Verdict, transcript: VoteTranscript, salt: String = VoteCommitment.randomSalt()) {
        self.task = task; self.attempt = attempt; self.verdict = verdict; self.transcript = transcript; self.salt = salt
    }

    /// The CommitVote `verifier` sends first; throws for a salt that is not 32 bytes of lowercase hex.
    public func commit(by verifier: Address) throws -> CommitVote {
        guard let commitment = VoteCommitment.make(verdict: verdict, salt: salt, verifier: verifier, task: task, attempt: attempt,
                                                   transcript: transcript) else {
            throw ProvaCoreError(.invalidField, "salt: must be \(VoteCommitment.saltLength) bytes in lowercase hex")
        }
        return CommitVote(task: task, attempt: attempt, commitment: commitment)
    }

    public var reveal: RevealVote { RevealVote(task: task, attempt: attempt, verdict: verdict, salt: salt, transcript: transcript) }
}

extension VoteTranscript {
    /// The transcript of a run that exited as `verdict` says (0, 1 or 2), having checked `checked`: what a simulated
    /// or scripted verifier, which runs nothing, claims.
    public init(claiming verdict: Verdict, checked: String) {
        self.init(exitCode: verdict == .valid ? 0 : verdict == .invalid ? 1 : 2, checked: checked)
    }
}

extension TaskRecord {
    /// The files a verifier of `attempt` checks: the proof of a verify-only request, or the attempt's outputs.
    public func proofToCheck(attempt number: Int) -> [InputRef] {
        if kind == .verification { return proof }
        guard number >= 1, number <= attempts.count else { return [] }
        return (attempts[number - 1].result?.outputs ?? []).map { InputRef(path: $0.path, digest: $0.digest, size: $0.size) }
    }

    /// `VoteTranscript.checkedDigest(of:)` of `proofToCheck(attempt:)`: what a reveal's transcript must name.
    public func checkedDigest(attempt number: Int) -> String {
        VoteTranscript.checkedDigest(of: proofToCheck(attempt: number).map { ($0.path, $0.digest) })
    }
}
