import Foundation
import ProvaCore
import ProvaTesting
import Testing

/// `prova node init --validators`: one genesis for a cluster, one data directory per validator.
@Suite("Cluster init from the command line", .tags(.integration))
struct ClusterInitTests {
    @Test("writes a validator directory per URL with its own key and one shared genesis listing them all; refuses bad lists and changes nothing")
    func initializesValidators() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("prova-cluster-init-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let urls = ["http://10.0.0.1:8545", "http://10.0.0.2:8545", "http://10.0.0.3:8545"]
        _ = try await NodeProcess.run(["node", "init", "--chain-id", "cluster-init", "--data-dir", directory.path, "--validators", urls.joined(separator: ",")])
        var genesisFiles: [Data] = []
        var keys: Set<String> = []
        for index in 0..<3 {
            let validator = directory.appendingPathComponent("validator-\(index)")
            genesisFiles.append(try Data(contentsOf: validator.appendingPathComponent("genesis.json")))
            keys.insert(try String(contentsOf: validator.appendingPathComponent("node.key"), encoding: .utf8))
            #expect(FileManager.default.fileExists(atPath: validator.appendingPathComponent("images/prova-capacity-test.tar").path))
        }
        #expect(Set(genesisFiles).count == 1 && keys.count == 3)
        let genesis = try JSONDecoder().decode(Genesis.self, from: genesisFiles[0])
        #expect(genesis.validators.map(\.url) == urls)

        for bad in ["http://a:1", "http://a:1,http://a:1", "http://a:1,,http://b:1"] {
            let other = directory.appendingPathComponent("bad")
            await #expect(throws: TestFailure.self) {
                _ = try await NodeProcess.run(["node", "init", "--chain-id", "c", "--data-dir", other.path, "--validators", bad])
            }
            #expect(!FileManager.default.fileExists(atPath: other.appendingPathComponent("validator-0").path))
        }
        // A directory that already holds validators is left alone.
        await #expect(throws: TestFailure.self) {
            _ = try await NodeProcess.run(["node", "init", "--chain-id", "cluster-init", "--data-dir", directory.path, "--validators", urls.joined(separator: ",")])
        }
        #expect(try Data(contentsOf: directory.appendingPathComponent("validator-0/genesis.json")) == genesisFiles[0])
    }
}
