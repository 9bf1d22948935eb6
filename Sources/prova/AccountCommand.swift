import ArgumentParser
import ProvaClient
import ProvaCore

/// `prova account`: balances, transfers, and the devnet faucet.
struct AccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "account",
        abstract: "Show balances and history, transfer credits, get devnet credits.",
        subcommands: [Show.self, History.self, Transfer.self, Faucet.self])

    /// An address as given, or the address of a stored key of that name.
    static func address(of nameOrAddress: String) throws -> Address {
        if Addresses.isValid(nameOrAddress.lowercased()) { return nameOrAddress.lowercased() }
        return try KeyStore.standard().info(nameOrAddress).address
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show an account's balance and nonce.",
            discussion: "Without an argument, shows the only stored key's account.")
        @Argument(help: "A key name or a 40-hex-character address.") var account: String?
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let address: Address
                if let account {
                    address = try AccountCommand.address(of: account)
                } else {
                    let keys = try KeyStore.standard().list()
                    guard keys.count == 1 else {
                        throw ClientError(.badOption, "name the account: a key name or an address (you have \(keys.count) keys; see `prova keys list`)")
                    }
                    address = keys[0].address
                }
                let view = try await options.client().account(address)
                if options.json { return try Output.json(view) }
                Output.fields([
                    ("address", view.account.address),
                    ("balance", Output.credits(view.account.balance)),
                    ("nonce", "\(view.account.nonce) (next \(view.nextNonce))"),
                    ("free tier used", view.account.freeTierUsed > 0 ? Output.credits(view.account.freeTierUsed) : nil),
                    ("worker", view.worker.map { "\($0.status.rawValue), stake \(Output.credits($0.stake)), earned \(Output.credits($0.earned))" }),
                ])
            }
        }
    }

    struct Transfer: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send credits to another account.",
            discussion: "Example: prova account transfer --from alice --to bob --amount 2.5")
        @Option(help: "Key name of the sender.") var from: String
        @Option(help: "Recipient: an address or a key name.") var to: String
        @Option(help: "Credits, up to 6 decimals (2.5), or micro-credits (2500000ucr).") var amount: String
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let micro = try HumanUnits.credits(amount)
                let recipient = try AccountCommand.address(of: to)
                let key = try KeyStore.standard().load(from)
                let status = try await options.client().send(.transfer(ProvaCore.Transfer(to: recipient, amount: micro)), signedBy: key)
                if options.json { return try Output.json(status) }
                print("sent \(Output.credits(micro)) to \(recipient) in block \(status.height.map(String.init) ?? "?")")
            }
        }
    }

    struct Faucet: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Get credits from a devnet's faucet (`prova devnet` nodes only).")
        @Argument(help: "A key name or an address.") var account: String
        @Option(help: "Credits to mint.") var amount = "100"
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let micro = try HumanUnits.credits(amount)
                let address = try AccountCommand.address(of: account)
                let client = try options.client()
                guard try await client.status().faucet else {
                    throw ClientError(.noFaucet, "the node at \(client.currentNode) has no faucet (only `prova devnet` nodes do); ask someone with credits for a transfer")
                }
                let status = try await client.faucet(address: address, amount: micro)
                if options.json { return try Output.json(status) }
                print("minted \(Output.credits(micro)) to \(address) in block \(status.height.map(String.init) ?? "?")")
            }
        }
    }
}
