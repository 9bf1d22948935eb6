public import ProvaCore

extension Ballot {
    /// The ballot of a scripted verifier that runs nothing: `verdict`, with the transcript a run ending so would give,
    /// over exactly the proof files of `attempt` of `task`, and a salt fixed by the verifier and the attempt.
    public static func scripted(_ verdict: Verdict, on task: TaskRecord, attempt: Int, by verifier: Address) -> Ballot {
        Ballot(task: task.id, attempt: attempt, verdict: verdict,
               transcript: VoteTranscript(claiming: verdict, checked: task.checkedDigest(attempt: attempt)),
               salt: SHA256Hex.of("test-salt:\(verifier):\(task.id):\(attempt)"))
    }
}
