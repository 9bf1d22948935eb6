public import ProvaCore

/// Another way to choose provers, for comparison in the simulator only (stake-weighted lottery, reverse auction,
/// racing). The protocol is uniform random selection; a validator never sets a policy.
public protocol SelectionPolicy: Sendable {
    /// Chooses one of `eligible` (workers with room, never tried for this task, sorted by address) for `task`, or nil.
    func chooseProver(among eligible: [Worker], for task: TaskRecord, random: inout SeededGenerator) -> Address?
}
