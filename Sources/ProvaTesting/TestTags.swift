public import Testing

/// The test tags every suite uses (`swift test --filter` by target, `--skip`/`--filter` by tag in Xcode and CI).
extension Tag {
    /// Pure logic: no containers, no processes, no network.
    @Tag public static var unit: Self
    /// Real parts in this process: runc containers, SQLite files, HTTP servers.
    @Tag public static var integration: Self
    /// Whole programs as users run them: the `prova` executable, a devnet, real proofs.
    @Tag public static var endToEnd: Self
    /// Randomized histories checked against invariants.
    @Tag public static var property: Self
}
