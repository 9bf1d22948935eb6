import ProvaCore

/// Transfer and Mint: moving and creating credits.
extension Ledger {
    mutating func transfer(_ body: Transfer, from sender: Address) throws {
        guard body.to != sender else { throw LedgerError(.selfTransfer, "cannot transfer to yourself") }
        var from = account(sender)
        guard from.balance >= body.amount else {
            throw LedgerError(.insufficientBalance, "balance is \(Units.formatCredits(from.balance)) credits but the transfer needs \(Units.formatCredits(body.amount)); ask the faucet or transfer less")
        }
        from.balance -= body.amount
        put(from)
        credit(body.to, body.amount)
        emit(.transferred, account: sender, amount: body.amount, detail: body.to)
    }

    mutating func mint(_ body: Mint, by sender: Address) throws {
        guard sender == state.authority else {
            throw LedgerError(.notAuthority, "only the chain authority may mint credits")
        }
        guard body.amount <= Limits.maxSupply - state.totals.minted else {
            throw LedgerError(.mintOverflow, "minting \(body.amount) µcr would take the supply past its bound of \(Limits.maxSupply) µcr (\(state.totals.minted) are minted)")
        }
        credit(body.to, body.amount)
        changeTotals { $0.minted += body.amount }
        emit(.minted, account: body.to, amount: body.amount, detail: body.memo)
    }
}
