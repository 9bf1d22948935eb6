import Foundation
import ProvaTesting
import Testing
@testable import ProvaClient
import ProvaCore

@Suite(.tags(.unit))
struct WorkflowManifestTests {
    @Test func manifestDecodesHumanFields() throws {
        let json = #"""
        {"name": "rollup", "steps": [
          {"name": "seg-1", "program": "p1", "inputs": [{"file": "seg-1.bin"}], "cpus": "4", "memory": "8GiB", "time": "5m"},
          {"name": "agg", "program": "p2", "inputs": [{"step": "seg-1", "path": "proof.bin"}], "verifiers": 5}
        ]}
        """#
        let manifest = try WorkflowManifest.decode(Data(json.utf8), source: "wf.json")
        #expect(manifest.steps.map(\.name) == ["seg-1", "agg"])
        #expect(manifest.steps[0].memory == "8GiB")
        #expect(manifest.steps[1].inputs?.first?.step == "seg-1")
        #expect(manifest.steps[1].verifiers == 5)
    }

    @Test func badManifestSaysWhereItIsWrong() {
        let error = #expect(throws: ClientError.self) {
            try WorkflowManifest.decode(Data(#"{"name": "x", "steps": [{"name": "a"}]}"#.utf8), source: "wf.json")
        }
        #expect(error?.code == .badWorkflow)
        #expect(error?.message.contains("program") == true)
        #expect(error?.message.contains("wf.json") == true)
    }
}
