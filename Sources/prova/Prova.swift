import ArgumentParser

/// `prova`: the command line. Thin on purpose: every command parses its arguments and calls the libraries.
@main
struct Prova: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prova",
        abstract: "A decentralized proving cloud: deploy prover programs, request proofs, run nodes.",
        subcommands: [
            NodeCommand.self, KeysCommand.self, AccountCommand.self, ImageCommand.self, ProgramCommand.self, ProofCommand.self,
            TaskCommand.self, ProverSetCommand.self, WorkflowCommand.self, EventsCommand.self, QuoteCommand.self, StatsCommand.self, ChainCommand.self, WorkerCommand.self, DevnetCommand.self, SimCommand.self,
        ])
}
