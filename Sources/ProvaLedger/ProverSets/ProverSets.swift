import ProvaCore

/// Custom prover sets (DESIGN §7): named sets of workers that opt in; created with a refundable deposit.
extension Ledger {
    mutating func createProverSet(_ body: CreateProverSet, by sender: Address) throws {
        guard state.proverSets[body.name] == nil else {
            throw LedgerError(.proverSetExists, "prover set '\(body.name)' already exists; pick another name")
        }
        let deposit = state.parameters.proverSetDeposit
        try holdDeposit(deposit, from: sender, for: "prover set \(body.name)")
        put(ProverSet(name: body.name, owner: sender, members: Array(Set(body.members)).sorted(), labels: body.labels, joined: [], deposit: deposit))
        emit(.proverSetCreated, account: sender, amount: deposit, detail: body.name)
    }

    /// The owner retires a prover set: no new request may name it (tasks that already do keep drawing from it), and its
    /// deposit comes back.
    mutating func retireProverSet(_ body: RetireProverSet, by sender: Address) throws {
        guard var set = state.proverSets[body.name] else { throw LedgerError(.unknownProverSet, "no prover set '\(body.name)'") }
        guard set.owner == sender else { throw LedgerError(.notOwner, "only the owner of prover set '\(body.name)' (\(set.owner)) may retire it") }
        guard !set.retired else { throw LedgerError(.alreadyRetired, "prover set '\(body.name)' is already retired") }
        let deposit = set.deposit
        set.retired = true
        set.deposit = 0
        put(set)
        credit(sender, deposit)
        emit(.proverSetRetired, account: sender, amount: deposit, detail: body.name)
        if deposit > 0 { emit(.depositReturned, account: sender, amount: deposit, detail: body.name) }
    }

    mutating func joinProverSet(_ body: JoinProverSet, by sender: Address) throws {
        guard var set = state.proverSets[body.name] else { throw LedgerError(.unknownProverSet, "no prover set '\(body.name)'") }
        guard var worker = state.workers[sender], worker.status != .exited else {
            throw LedgerError(.unknownWorker, "only registered workers join prover sets; register first")
        }
        guard !set.joined.contains(sender) else { throw LedgerError(.alreadyJoined, "worker \(sender) already joined '\(body.name)'") }
        set.joined.append(sender)
        set.joined.sort()
        guard set.admits(worker) else {
            throw LedgerError(.notAdmitted, "worker \(sender) is not listed in '\(body.name)' and its labels do not match \(set.labels)")
        }
        put(set)
        worker.proverSets.append(body.name)
        worker.proverSets.sort()
        put(worker)
        emit(.proverSetJoined, worker: sender, detail: body.name)
    }

    func checkProverSet(_ name: String?) throws {
        guard let name else { return }
        guard let set = state.proverSets[name] else {
            throw LedgerError(.unknownProverSet, "no prover set '\(name)'; create it with CreateProverSet or leave proverSet out")
        }
        guard !set.retired else {
            throw LedgerError(.proverSetRetired, "prover set '\(name)' was retired by its owner; name another set or leave proverSet out")
        }
    }
}
