import ArgumentParser
import Foundation
import ProvaClient
import ProvaCore

/// `prova workflow`: DAGs of proofs whose inputs may be outputs of earlier steps.
struct WorkflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workflow",
        abstract: "Submit and show workflows (DAGs of proof steps).",
        subcommands: [Submit.self, Show.self])

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a workflow described in a JSON file.",
            discussion: """
            {"name": "rollup", "proverSet": null, "steps": [
              {"name": "seg-1", "program": "<id>", "inputs": [{"file": "seg-1.bin"}], "cpus": "4", "memory": "8GiB", "time": "5m"},
              {"name": "agg", "program": "<id>", "inputs": [{"step": "seg-1", "path": "proof.bin"}], "verifiers": 3}
            ]}

            An input is {"file": PATH} (uploaded; relative to the JSON file), {"url": "URL#sha256:size"}, \
            {"step": NAME, "path": OUTPUT} (an output of an earlier step, mounted at /input/NAME/OUTPUT) or \
            {"path", "digest", "size"}. cpus/memory/gpus/time default to the step program's; redundancy to 1, verifiers to 3.
            """)

        @Argument(help: "The workflow file (JSON).") var file: String
        @Flag(help: "Follow the workflow until it completes or fails; exit non-zero if it fails.") var wait = false
        @Option(help: "With --wait: give up after this long.") var timeout = "6h"
        @OptionGroup var key: KeyOption
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let signer = try key.load()
                let waitLimit = try HumanUnits.duration(timeout, option: "--timeout")
                let url = URL(fileURLWithPath: file)
                let manifest = try WorkflowManifest.load(url)
                let client = try options.client()
                let body = try await client.resolve(manifest, baseDirectory: url.deletingLastPathComponent(), uploader: signer)
                let status = try await client.send(.submitWorkflow(body), signedBy: signer)
                guard let id = status.outcome?.created else {
                    throw ClientError(.badAnswer, "the node committed the workflow but did not name it; see `prova workflow show` with the ID from its events")
                }
                if !wait {
                    if options.json { return try Output.json(status) }
                    return print(id)
                }
                if !options.json { print("workflow \(id)") }
                let json = options.json
                let final = try await client.waitForWorkflow(id, timeout: .seconds(waitLimit)) { workflow in
                    guard !json else { return }
                    let done = workflow.steps.filter { $0.state?.isAccepted == true }.count
                    print("\(workflow.state.rawValue): \(done)/\(workflow.steps.count) steps verified")
                }
                if options.json { try Output.json(final) }
                if final.state != .completed {
                    if !options.json, let failure = final.failure { Output.standardError("error: workflow \(final.state.rawValue): \(failure)") }
                    throw ExitCode.failure
                }
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a workflow and its steps.")
        @Argument(help: "Workflow ID.") var id: String
        @OptionGroup var options: NodeOptions

        func run() async throws {
            try await reportingErrors {
                let workflow = try await options.client().workflow(id)
                if options.json { return try Output.json(workflow) }
                Output.fields([
                    ("workflow", workflow.id), ("name", workflow.definition.name), ("state", workflow.state.rawValue),
                    ("requester", workflow.requester), ("escrow", Output.credits(workflow.escrow)),
                    ("submitted", Output.time(workflow.submittedAtMilliseconds)), ("completed", Output.time(workflow.completedAtMilliseconds)),
                    ("failure", workflow.failure),
                ])
                print("")
                Output.table(["STEP", "STATE", "TASK", "FEE (cr)"], workflow.steps.map {
                    [$0.name, $0.state?.rawValue ?? "waiting", $0.task ?? "-", Units.formatCredits($0.fee)]
                })
            }
        }
    }
}
