import Foundation
import HTTPTypes
import ProvaCore
import ProvaNode
import ProvaTesting
import Testing

/// Nobody fills a node's disk for free (docs/API.md "Blobs"): a blob no transaction names is taken only when signed
/// by an account with credits (or a worker), within its quota, above the free-disk floor; unreferenced blobs are
/// collected after the grace period; a referenced blob is taken from anyone and kept.
@Suite("Who may upload blobs", .tags(.integration))
struct BlobPolicyTests {
    static func put(_ node: TestNode, _ bytes: [UInt8], digest: String? = nil, signer: AccountKey? = nil) async throws -> HTTPAnswer {
        let digest = digest ?? SHA256Hex.of(bytes)
        var headers = HTTPFields()
        if let signer {
            let expires = Milliseconds(Date().timeIntervalSince1970 * 1000) + 60_000
            headers[.authorization] = BlobUploadAuthorization(digest: digest, genesisHash: node.chain.genesisHash, expiresAtMilliseconds: expires,
                                                              key: signer).headerValue
        }
        return try await node.request(.put, "/v1/blobs/\(digest)", body: bytes, contentType: "application/octet-stream", headers: headers)
    }

    static func stored(_ node: TestNode, _ bytes: [UInt8]) async throws -> Bool {
        try await node.request(.head, "/v1/blobs/\(SHA256Hex.of(bytes))", contentType: nil).status == 200
    }

    @Test("unsigned, unfunded, over quota and mismatched uploads are refused and keep nothing; a funded account's is taken",
          arguments: Fidelity.allCases)
    func uploadsNeedAPayer(_ fidelity: Fidelity) async throws {
        try await TestNode.with(fidelity, configure: { $0.uploadQuotaBytes = 4_096 }) { node in
            let bytes = Array("bytes nobody names\n".utf8)
            let unsigned = try await Self.put(node, bytes)
            #expect(unsigned.status == 401 && unsigned.errorCode == "upload_unauthorized")
            let broke = try await Self.put(node, bytes, signer: AccountKey(deterministicFrom: "no-credits"))
            #expect(broke.status == 403 && broke.errorCode == "upload_forbidden")
            // Signed for another blob: not a signature of this one.
            var forged = HTTPFields()
            forged[.authorization] = BlobUploadAuthorization(digest: SHA256Hex.of("other"), genesisHash: node.chain.genesisHash,
                                                             expiresAtMilliseconds: Milliseconds(Date().timeIntervalSince1970 * 1000) + 60_000,
                                                             key: node.user).headerValue
            let replayed = try await node.request(.put, "/v1/blobs/\(SHA256Hex.of(bytes))", body: bytes, contentType: "application/octet-stream", headers: forged)
            #expect(replayed.status == 401)
            #expect(try await !Self.stored(node, bytes))

            let mismatch = try await Self.put(node, Array("other bytes".utf8), digest: SHA256Hex.of("expected"), signer: node.user)
            #expect(mismatch.status == 400 && mismatch.errorCode == "digest_mismatch")
            let taken = try await Self.put(node, bytes, signer: node.user)
            #expect(taken.status == 201)
            #expect(try await Self.stored(node, bytes))
            // The quota (4 KiB here) counts what the account uploaded in the window.
            let large = [UInt8](repeating: 7, count: 4_090)
            let over = try await Self.put(node, large, signer: node.user)
            #expect(over.status == 429 && over.errorCode == "upload_quota_exceeded")
            #expect(over.headers[.retryAfter] != nil)
            #expect(try await !Self.stored(node, large))
        }
    }

    @Test("a blob a waiting transaction names is taken from anyone; the collector keeps it and removes what nothing names",
          arguments: Fidelity.allCases)
    func referencedBlobsAndCollection(_ fidelity: Fidelity) async throws {
        let clock = ManualClock(startingAt: Milliseconds(Date().timeIntervalSince1970 * 1000))
        try await TestNode.with(fidelity, clock: clock, configure: { $0.blobGraceMilliseconds = 60_000 }) { node in
            let program = try #require(try await node.send(.deployProgram(Fixtures.program("blobs")), by: node.user).outcome?.created)
            let input = Array("the input a request names\n".utf8)
            let orphan = Array("an upload nothing names\n".utf8)
            #expect(try await Self.put(node, orphan, signer: node.user).status == 201)
            let request = RequestProof(program: program, inputs: [InputRef(path: "input.txt", digest: SHA256Hex.of(input), size: Int64(input.count))],
                                       resources: Resources(cpuMillicores: 1_000, memoryBytes: Units.gib), timeLimitSeconds: 60)
            let nonce = try await node.account(node.user.address).nextNonce
            let requested = try node.sign(.requestProof(request), by: node.user, nonce: nonce)
            #expect(try await node.submit(requested).status == 202)
            // Waiting in the mempool, the request already lets anyone upload its input, unsigned.
            #expect(try await Self.put(node, input).status == 201)
            _ = try await node.commit(requested)

            // Young blobs are kept; once past the grace period, only what nothing names goes.
            #expect(try await node.node.collectUnreferencedBlobs() == 0)
            clock.advance(by: 61_000)
            clock.jumpWall(by: 3_600_000)
            #expect(try await node.node.collectUnreferencedBlobs() == 1)
            #expect(try await !Self.stored(node, orphan))
            #expect(try await Self.stored(node, input))
        }
    }

    @Test("below the free-disk floor the node takes neither uploads nor transactions, and says why", arguments: Fidelity.allCases)
    func freeDiskFloor(_ fidelity: Fidelity) async throws {
        try await TestNode.with(fidelity, configure: { $0.freeDiskFloorBytes = Limits.maxFileBytes * 1_024 }) { node in
            let upload = try await Self.put(node, Array("x".utf8), signer: node.user)
            #expect(upload.status == 507 && upload.errorCode == "insufficient_storage")
            let nonce = try await node.account(node.user.address).nextNonce
            let transfer = try node.sign(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user, nonce: nonce)
            let refused = try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(transfer)))
            #expect(refused.status == 507 && refused.errorCode == "insufficient_storage")
            // Reading the chain still works.
            #expect(try await node.status().height >= 0)
        }
    }
}
