import Foundation
import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient
import NIOCore

@Suite(.tags(.unit))
struct InputAndOutputTests {
    let digest = String(repeating: "ab", count: 32)

    @Test func localPathsAreFiles() throws {
        #expect(try InputSource.parse("data/witness.bin") == .file(URL(fileURLWithPath: "data/witness.bin")))
        #expect(try InputSource.parse("data/witness.bin").name == "witness.bin")
    }

    @Test func remoteInputsCarryURLDigestAndSize() throws {
        let source = try InputSource.parse("https://data.example/sets/w.bin#\(digest.uppercased()):1MiB")
        #expect(source == .remote(InputRef(path: "w.bin", digest: digest, size: 1_048_576, url: "https://data.example/sets/w.bin")))
        #expect(try InputSource.parse("http://h/x#\(digest):10") == .remote(InputRef(path: "x", digest: digest, size: 10, url: "http://h/x")))
    }

    @Test(arguments: ["https://h/w.bin", "https://h/w.bin#abc:10", "https://h/w.bin#DIGEST", "ftp://h/w.bin#D:10", "https://h/#D:10", "https://h/w#D:lots"])
    func badRemoteInputsAreRefused(_ template: String) {
        let error = #expect(throws: ClientError.self) { try InputSource.parse(template.replacingOccurrences(of: "D", with: digest)) }
        #expect(error?.code == .badInput)
    }

    @Test func outputPathsStayInsideTheDirectory() throws {
        let directory = URL(fileURLWithPath: "/tmp/out")
        #expect(try OutputPath.resolve("proof.bin", in: directory).path == "/tmp/out/proof.bin")
        #expect(try OutputPath.resolve("sub/dir/p", in: directory).path == "/tmp/out/sub/dir/p")
        for bad in ["../etc/passwd", "/etc/passwd", "a/../../b", "a//b", "./a", "", "a\\b", "a\nb"] {
            #expect(throws: ClientError.self, "\(bad)") { try OutputPath.resolve(bad, in: directory) }
        }
    }

    @Test func badDigestIsRefusedBeforeAnyRequest() {
        let error = #expect(throws: ClientError.self) { try ProvaClient.checkDigest("xyz") }
        #expect(error?.code == .badDigest)
        #expect(throws: Never.self) { try ProvaClient.checkDigest(digest) }
    }

    @Test func fileDigestMatchesInMemoryDigest() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prova-digest-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        // Larger than one chunk, not a multiple of it.
        let bytes = (0..<(3 << 20) + 17).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(bytes).write(to: url)
        let (fileDigest, size) = try LocalFile.digest(of: url)
        #expect(fileDigest == SHA256Hex.of(bytes))
        #expect(size == ByteCount(bytes.count))
        #expect(throws: ClientError.self) { try LocalFile.digest(of: url.appendingPathExtension("missing")) }
    }

    @Test func fileChunksStreamTheWholeFile() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("prova-chunks-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0) }
        try Data(bytes).write(to: url)
        var collected: [UInt8] = []
        var chunks = 0
        for try await buffer in FileChunks(url: url, chunkSize: 4096) {
            collected += buffer.readableBytesView
            chunks += 1
        }
        #expect(collected == bytes)
        #expect(chunks == 3)
    }
}
