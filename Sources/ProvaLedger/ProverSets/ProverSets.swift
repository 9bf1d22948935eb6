import ProvaCore

/// Custom prover sets (DESIGN §7): named sets of workers that opt in.
extension Ledger {
    mutating func createProverSet(_ body: CreateProverSet, by sender: Address) throws {
        guard state.proverSets[body.name] == nil else {
            throw LedgerError(.proverSetExists, "prover set '\(body.name)' already exists; pick another name")
        }
        put(ProverSet(name: body.name, owner: sender, members: Array(Set(body.members)).sorted(), labels: body.labels, joined: []))
        emit(.proverSetCreated, account: sender, detail: body.name)
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
        guard state.proverSets[name] != nil else {
            throw LedgerError(.unknownProverSet, "no prover set '\(name)'; create it with CreateProverSet or leave proverSet out")
        }
    }
}
