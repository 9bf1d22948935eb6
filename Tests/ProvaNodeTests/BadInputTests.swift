import Foundation
import HTTPTypes
import ProvaCore
import ProvaTesting
import Testing

/// Every kind of bad input gets a 4xx with a clear `{code, message}` and changes nothing. One body each, run against
/// the router in memory and against a live server.
@Suite("Bad input changes nothing", .tags(.integration))
struct BadInputTests {
    /// No empty blocks during the test, so "nothing changed" can be checked on the state digest itself.
    static var quiet: ChainParameters {
        var parameters = ChainParameters.genesisDefaults
        parameters.maxBlockIntervalMilliseconds = 600_000
        return parameters
    }

    @Test("malformed JSON, wrong content type, oversized body, bad signature, replayed nonce, unknown IDs, mismatched blob",
          arguments: Fidelity.allCases)
    func badInput(_ fidelity: Fidelity) async throws {
        try await TestNode.with(fidelity, parameters: Self.quiet) { node in
            // One real transaction first, so there is a nonce to replay.
            let committed = try await node.send(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user)
            #expect(committed.status == .committed)
            let before = try await node.status()
            let balance = try await node.account(node.user.address).account.balance

            let cases: [(HTTPRequest.Method, String, [UInt8], String?, Int, String)] = [
                (.post, "/v1/transactions", Array("{not json".utf8), "application/json", 400, "bad_json"),
                (.post, "/v1/transactions", Array("{}".utf8), "text/plain", 415, "unsupported_media_type"),
                (.post, "/v1/transactions", [UInt8](repeating: 0x20, count: 600 * 1024), "application/json", 413, "too_large"),
                (.post, "/v1/transactions", Array(#"{"chainID":"x","sender":"ab","nonce":1,"body":{"type":"Nope"},"signature":"00"}"#.utf8), "application/json", 400, "bad_json"),
                (.get, "/v1/tasks/\(SHA256Hex.of("nope"))", [], nil, 404, "not_found"),
                (.get, "/v1/tasks/not-a-digest", [], nil, 400, "bad_id"),
                (.get, "/v1/programs/\(SHA256Hex.of("nope"))", [], nil, 404, "not_found"),
                (.get, "/v1/workers/\(String(repeating: "a", count: 40))", [], nil, 404, "not_found"),
                (.get, "/v1/blocks/999999", [], nil, 404, "not_found"),
                (.get, "/v1/transactions/\(SHA256Hex.of("nope"))", [], nil, 404, "not_found"),
                (.get, "/v1/quote?cpus=lots&memory=1GiB&time=5m", [], nil, 400, "bad_cpu"),
                (.get, "/v1/quote?cpus=1", [], nil, 400, "bad_request"),
                (.get, "/v1/blocks?limit=0", [], nil, 400, "bad_request"),
                (.get, "/v1/nowhere", [], nil, 404, "not_found"),
                (.put, "/v1/blobs/\(SHA256Hex.of("expected"))", Array("other bytes".utf8), "application/octet-stream", 401, "upload_unauthorized"),
            ]
            for (method, path, body, contentType, status, code) in cases {
                let answer = try await node.request(method, path, body: body, contentType: contentType)
                #expect(answer.status == status, "\(method) \(path): \(answer.body)")
                #expect(answer.errorCode == code, "\(method) \(path): \(answer.body)")
            }
            #expect(try await node.request(.head, "/v1/blobs/\(SHA256Hex.of("expected"))", contentType: nil).status == 404)

            // A bad signature and a replayed nonce: 422 with the ledger's code.
            let next = try await node.account(node.user.address).nextNonce
            var forged = try node.sign(.transfer(Transfer(to: node.workers[0].address, amount: 1)), by: node.user, nonce: next)
            forged.signature = AccountKey(deterministicFrom: "mallory").sign(try forged.unsigned(genesisHash: node.chain.genesisHash).signingBytes())
            let replayed = try node.sign(.transfer(Transfer(to: node.workers[0].address, amount: 2)), by: node.user, nonce: next - 1)
            let broke = AccountKey(deterministicFrom: "broke")
            let unfunded = try node.sign(.transfer(Transfer(to: node.user.address, amount: 5)), by: broke, nonce: 0)
            for (transaction, code) in [(forged, "bad_signature"), (replayed, "nonce_replayed"), (unfunded, "insufficient_balance")] {
                let answer = try await node.request(.post, "/v1/transactions", body: Array(try JSONEncoder().encode(transaction)))
                #expect(answer.status == 422, "\(answer.body)")
                #expect(answer.errorCode == code)
            }

            let after = try await node.status()
            #expect(after.stateDigest == before.stateDigest)
            #expect(after.height == before.height)
            #expect(after.mempoolSize == 0)
            #expect(try await node.account(node.user.address).account.balance == balance)
        }
    }
}

@Suite("Idempotent submission", .tags(.integration))
struct IdempotencyTests {
    @Test("submitting a committed transaction again answers its committed status and changes nothing", arguments: Fidelity.allCases)
    func resubmit(_ fidelity: Fidelity) async throws {
        try await TestNode.with(fidelity) { node in
            let nonce = try await node.account(node.user.address).nextNonce
            let transaction = try node.sign(.transfer(Transfer(to: node.workers[1].address, amount: 3)), by: node.user, nonce: nonce)
            let first = try await node.submit(transaction, waitForCommit: true)
            let again = try await node.submit(transaction, waitForCommit: true)
            #expect(first.status == 200 && first.transaction.status == .committed)
            #expect(again.status == 200 && again.transaction.status == .committed)
            #expect(again.transaction.height == first.transaction.height)
            #expect(try await node.account(node.user.address).account.nonce == nonce + 1)
        }
    }
}
