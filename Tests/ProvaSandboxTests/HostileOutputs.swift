import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

extension HostileProgramTests {
    @Test("thousands of outputs: the run reports the real count against the bound and copies nothing")
    func tooManyOutputs() async throws {
        var limits = Fixtures.limits()
        limits.maxOutputFiles = 1_000
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "mkdir /output/d; i=0; while [ $i -lt 2000 ]; do : > /output/d/f$i; i=$((i+1)); done; echo done", limits: limits))
        #expect(result.exitCode == 0)
        #expect(result.stdoutText == "done\n")
        #expect(result.outputViolation == .tooManyFiles(count: 2_000, limit: 1_000))
        #expect(result.outputViolation?.description == "2,000 outputs; the limit is 1,000")
        #expect(result.outputs.isEmpty)
    }

    @Test("a symlink and a FIFO left in /output are neither followed nor opened")
    func linksInOutput() async throws {
        let result = try await Fixtures.runtime().run(Fixtures.spec(
            "ln -s /etc/shadow /output/shadow; ln -s / /output/root; mkfifo /output/fifo; echo ok > /output/real"))
        #expect(result.outputViolation == nil)
        #expect(result.outputs.map(\.path) == ["real"])
    }
}
