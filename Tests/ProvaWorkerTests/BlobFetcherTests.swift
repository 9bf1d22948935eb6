import Foundation
import Logging
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaWorker

/// Downloads from blob stores and URLs: digests are checked, sizes bounded, sources tried in turn.
@Suite(.tags(.integration), .serialized)
struct BlobFetcherTests {
    func fetcher(sources: [String], directory: URL, maxBytes: ByteCount = Units.mib) throws -> BlobFetcher {
        BlobFetcher(sources: try sources.map { try ProvaClient(node: $0) }, directory: directory, budgetBytes: Units.gib,
                    maxBytes: maxBytes, attempts: 1, logger: Logger(label: "test"))
    }

    @Test func fallsBackFromADeadNodeToAMirrorAndThenToTheURL() async throws {
        try await WorkerNetwork.with(workers: 0) { network in
            let bytes = Array("some input bytes\n".utf8)
            let digest = try await network.client.putBlob(bytes: bytes, signedBy: network.user).digest
            let directory = try Scratch.directory("fetch")
            // The first source refuses connections; the second (the node) has the blob.
            let mirrored = try fetcher(sources: ["http://127.0.0.1:1", network.url], directory: directory.appendingPathComponent("a"))
            let target = directory.appendingPathComponent("run/input/x.bin")
            try await mirrored.fetch(digest: digest, size: Int64(bytes.count), url: nil, to: target)
            #expect(try Data(contentsOf: target) == Data(bytes))

            // No blob store has it: the URL is used, and its bytes are checked against the digest.
            let byURL = try fetcher(sources: ["http://127.0.0.1:1"], directory: directory.appendingPathComponent("b"))
            let url = "\(network.url)/v1/blobs/\(digest)"
            let second = directory.appendingPathComponent("run/input/y.bin")
            try await byURL.fetch(digest: digest, size: Int64(bytes.count), url: url, to: second)
            #expect(try Data(contentsOf: second) == Data(bytes))
        }
    }

    @Test func refusesWrongDigestsAndOversizedFiles() async throws {
        try await WorkerNetwork.with(workers: 0) { network in
            let bytes = Array(String(repeating: "x", count: 4096).utf8)
            let digest = try await network.client.putBlob(bytes: bytes, signedBy: network.user).digest
            let url = "\(network.url)/v1/blobs/\(digest)"
            let directory = try Scratch.directory("refuse")
            let fetcher = try fetcher(sources: ["http://127.0.0.1:1"], directory: directory.appendingPathComponent("cache"), maxBytes: 8192)

            // The URL serves other bytes than the digest names.
            let other = SHA256Hex.of("something else")
            let mismatch = await #expect(throws: WorkerError.self) {
                try await fetcher.fetch(digest: other, size: Int64(bytes.count), url: url, to: directory.appendingPathComponent("a"))
            }
            #expect(mismatch?.message.contains("digest_mismatch") == true)
            // The chain says the file is smaller than what is served: stopped at the bound.
            let oversized = await #expect(throws: WorkerError.self) {
                try await fetcher.fetch(digest: digest, size: 100, url: url, to: directory.appendingPathComponent("b"))
            }
            #expect(oversized?.message.contains("too_large") == true)
            // Larger than the worker downloads at all: refused before any request.
            let refused = await #expect(throws: WorkerError.self) {
                try await fetcher.fetch(digest: digest, size: 1 << 20, url: url, to: directory.appendingPathComponent("c"))
            }
            #expect(refused?.code == .tooLarge)
            // On no node and no URL: a clear "missing" error.
            let missing = await #expect(throws: WorkerError.self) {
                try await self.fetcher(sources: [network.url], directory: directory.appendingPathComponent("d"))
                    .fetch(digest: other, size: nil, url: nil, to: directory.appendingPathComponent("d.bin"))
            }
            #expect(missing?.code == .blobMissing)
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("a").path))
            #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("b").path))
        }
    }
}
