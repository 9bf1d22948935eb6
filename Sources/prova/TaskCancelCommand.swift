import ArgumentParser
import ProvaClient
import ProvaCore

extension TaskCommand {
    /// `prova task cancel`: stop a pending or running task and show what came back.
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a pending or running task you requested, and show the refund.",
            discussion: """
            Slots still waiting for a prover are refunded in full; a running prover is paid for the part of the time limit \
            it ran and the rest is refunded. A delivered proof cannot be cancelled (its fee is spent).

            Example: prova task cancel 9c1e… --key alice
            """)
        @Argument(help: "Task ID.") var id: String
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let client = try options.client()
                let receipt = try await client.cancelTask(id, signedBy: try key.load())
                if options.json { return try Output.json(receipt) }
                let task = try await client.task(id)
                print("cancelled task \(id) in block \(receipt.status.height.map(String.init) ?? "?"): it is \(task.state.rawValue)")
                Output.fields([
                    ("refunded", Output.credits(receipt.refunded)),
                    ("paid to provers", receipt.paidToProvers > 0 ? "\(Output.credits(receipt.paidToProvers)) (for the time they ran)" : nil),
                    ("fee paid", "\(Output.credits(task.feePerSlot * task.redundancy)) escrowed, \(Output.credits(task.refunded)) refunded in all"),
                    ("transaction fee", Output.credits(receipt.fee)),
                ])
            }
        }
    }
}
