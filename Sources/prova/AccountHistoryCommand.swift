import ArgumentParser
import ProvaClient
import ProvaCore

extension AccountCommand {
    /// `prova account history`: every movement of an account's credits.
    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show an account's fees, escrows, refunds, rewards, slashes, transfers and deposits, newest first.",
            discussion: """
            Each line names the block it happened in and the task or transaction it came from. BALANCE is the change to \
            the spendable balance; a slash changes a worker's stake instead. --before takes the cursor printed at the end \
            of a page, to read older entries.

            Example: prova account history --key alice
                     prova account history 3f2a…e1 --limit 100
            """)
        @Argument(help: "A key name or a 40-hex-character address (default: --key's).") var account: String?
        @Option(help: "A key name whose account to show.") var key: String?
        @Option(help: "Entries per page (1 to 200).") var limit: Int = 50
        @Option(help: "Show entries older than this cursor (from a previous page).") var before: String?
        @OptionGroup var options: NodeOptions

        func validate() throws {
            guard (1...200).contains(limit) else { throw ValidationError("--limit must be 1 to 200") }
            guard account == nil || key == nil else { throw ValidationError("give the account or --key, not both") }
        }

        func run() async throws {
            try await reportingErrors {
                guard let name = account ?? key else {
                    throw ClientError(.badOption, "name the account: a key name (--key NAME) or an address; see `prova keys list`")
                }
                let address = try AccountCommand.address(of: name)
                let history = try await options.client().accountHistory(address, limit: limit, before: before)
                if options.json { return try Output.json(history) }
                guard !history.entries.isEmpty else { return print("no movements of credits for \(address)\(before == nil ? "" : " before \(before ?? "")")") }
                Output.table(["BLOCK", "KIND", "BALANCE (cr)", "STAKE (cr)", "TASK / TRANSACTION", "DETAIL"], history.entries.map { entry in
                    [String(entry.height), AccountCommand.words(entry.kind), AccountCommand.signed(entry.balanceChange),
                     entry.stakeChange == 0 ? "" : AccountCommand.signed(entry.stakeChange),
                     entry.task.map { "task \(Output.short($0))" } ?? entry.transaction.map { "tx \(Output.short($0))" }
                        ?? entry.program.map { "program \(Output.short($0))" } ?? entry.workflow.map { "workflow \(Output.short($0))" } ?? "-",
                     entry.detail ?? ""]
                })
                if let next = history.next { print("older entries: prova account history \(address) --before \(next)") }
            }
        }
    }

    /// `+0.085000`, `-0.001100`, `0`.
    static func signed(_ micro: Int64) -> String {
        micro == 0 ? "0" : (micro > 0 ? "+" : "") + Units.formatCredits(micro)
    }

    static func words(_ kind: AccountHistoryEntry.Kind) -> String {
        switch kind {
        case .transactionFee: "transaction fee"
        case .escrowed: "fee escrowed"
        case .refunded: "refund"
        case .paid: "reward"
        case .slashed: "slashed"
        case .burned: "fee burned"
        case .transferredOut: "sent"
        case .transferredIn: "received"
        case .minted: "minted"
        case .freeTierGranted: "free tier"
        case .depositHeld: "deposit held"
        case .depositReturned: "deposit returned"
        case .staked: "staked"
        case .stakeReturned: "stake returned"
        }
    }
}
