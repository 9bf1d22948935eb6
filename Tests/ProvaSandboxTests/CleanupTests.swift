import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

@Suite("RuncRuntime: clean-up", .tags(.integration))
struct CleanupTests {
    @Test("a finished run leaves no container state and no cgroup behind")
    func nothingLeft() async throws {
        let runtime = try Fixtures.runtime()
        let cgroupsBefore = Self.runCgroups(runtime)
        let result = try await runtime.run(Fixtures.spec("echo hi"))
        #expect(result.exitCode == 0)
        let runc = try #require(Executable.locate("runc"))
        let listed = try Fixtures.runTool(runc, ["--root", runtime.stateRoot.path, "list", "-q"])
        #expect(listed.trimmed.isEmpty, "containers left: \(listed)")
        #expect(Self.runCgroups(runtime) == cgroupsBefore)
    }

    /// The run cgroups under the runtime's parent in the memory (v1) or unified (v2) hierarchy.
    static func runCgroups(_ runtime: RuncRuntime) -> Set<String> {
        let parent = runtime.cgroupLayout == .v1 ? "/sys/fs/cgroup/memory/" + runtime.cgroupParent : "/sys/fs/cgroup/" + runtime.cgroupParent
        return Set(((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { $0.hasPrefix("prova-") })
    }
}
