import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// Every kind of bad input gets a 4xx with a clear `{code, message}` and changes nothing.
@Suite("Bad input changes nothing", .tags(.integration))
struct BadInputTests {
    /// No empty blocks during the test, so "nothing changed" can be checked on the state digest itself.
    static var quiet: ChainParameters {
        var parameters = ChainParameters.genesisDefaults
        parameters.maxBlockIntervalMilliseconds = 600_000
        return parameters
    }

    @Test("malformed JSON, wrong content type, oversized body, bad signature, replayed nonce, unknown IDs, mismatched blob")
    func badInput() async throws {
        try await LiveNode.with(parameters: Self.quiet) { live in
            // One real transaction first, so there is a nonce to replay.
            let committed = try await live.client.send(.transfer(Transfer(to: live.workers[0].address, amount: 1)), signedBy: live.user)
            #expect(committed.status == .committed)
            let before = try await live.client.status()
            let balance = try await live.client.account(live.user.address).account.balance

            let cases: [(String, String, [UInt8], String?, Int, String)] = [
                ("POST", "/v1/transactions", Array("{not json".utf8), "application/json", 400, "bad_json"),
                ("POST", "/v1/transactions", Array("{}".utf8), "text/plain", 415, "unsupported_media_type"),
                ("POST", "/v1/transactions", [UInt8](repeating: 0x20, count: 600 * 1024), "application/json", 413, "too_large"),
                ("POST", "/v1/transactions", Array(#"{"chainID":"x","sender":"ab","nonce":1,"body":{"type":"Nope"},"signature":"00"}"#.utf8), "application/json", 400, "bad_json"),
                ("GET", "/v1/tasks/\(SHA256Hex.of("nope"))", [], nil, 404, "not_found"),
                ("GET", "/v1/tasks/not-a-digest", [], nil, 400, "bad_id"),
                ("GET", "/v1/programs/\(SHA256Hex.of("nope"))", [], nil, 404, "not_found"),
                ("GET", "/v1/workers/\(String(repeating: "a", count: 40))", [], nil, 404, "not_found"),
                ("GET", "/v1/blocks/999999", [], nil, 404, "not_found"),
                ("GET", "/v1/transactions/\(SHA256Hex.of("nope"))", [], nil, 404, "not_found"),
                ("GET", "/v1/quote?cpus=lots&memory=1GiB&time=5m", [], nil, 400, "bad_cpu"),
                ("GET", "/v1/quote?cpus=1", [], nil, 400, "bad_request"),
                ("GET", "/v1/blocks?limit=0", [], nil, 400, "bad_request"),
                ("GET", "/v1/nowhere", [], nil, 404, "not_found"),
                ("PUT", "/v1/blobs/\(SHA256Hex.of("expected"))", Array("other bytes".utf8), "application/octet-stream", 400, "digest_mismatch"),
            ]
            for (method, path, body, contentType, status, code) in cases {
                let answer = try await live.raw(method, path, body: body, contentType: contentType)
                #expect(answer.status == status, "\(method) \(path): \(answer.body)")
                #expect(LiveNode.errorCode(answer.body) == code, "\(method) \(path): \(answer.body)")
            }
            #expect(try await live.raw("HEAD", "/v1/blobs/\(SHA256Hex.of("expected"))", contentType: nil).status == 404)

            // A bad signature and a replayed nonce: 422 with the ledger's code.
            let next = try await live.client.account(live.user.address).nextNonce
            var forged = try live.sign(.transfer(Transfer(to: live.workers[0].address, amount: 1)), by: live.user, nonce: next)
            forged.signature = AccountKey(deterministicFrom: "mallory").sign(try forged.unsigned(genesisHash: live.chain.genesisHash).signingBytes())
            let replayed = try live.sign(.transfer(Transfer(to: live.workers[0].address, amount: 2)), by: live.user, nonce: next - 1)
            let broke = AccountKey(deterministicFrom: "broke")
            let unfunded = try live.sign(.transfer(Transfer(to: live.user.address, amount: 5)), by: broke, nonce: 0)
            for (transaction, code) in [(forged, "bad_signature"), (replayed, "nonce_replayed"), (unfunded, "insufficient_balance")] {
                let answer = try await live.raw("POST", "/v1/transactions", body: Array(try JSONEncoder().encode(transaction)))
                #expect(answer.status == 422, "\(answer.body)")
                #expect(LiveNode.errorCode(answer.body) == code)
            }

            let after = try await live.client.status()
            #expect(after.stateDigest == before.stateDigest)
            #expect(after.height == before.height)
            #expect(after.mempoolSize == 0)
            #expect(try await live.client.account(live.user.address).account.balance == balance)
        }
    }
}

@Suite("Idempotent submission", .tags(.integration))
struct IdempotencyTests {
    @Test("submitting a committed transaction again answers its committed status and changes nothing")
    func resubmit() async throws {
        try await LiveNode.with { live in
            let nonce = try await live.client.account(live.user.address).nextNonce
            let transaction = try live.sign(.transfer(Transfer(to: live.workers[1].address, amount: 3)), by: live.user, nonce: nonce)
            let first = try await live.client.submit(transaction, waitForCommit: true)
            let again = try await live.client.submit(transaction, waitForCommit: true)
            #expect(first.status == .committed)
            #expect(again.status == .committed)
            #expect(again.height == first.height)
            #expect(try await live.client.account(live.user.address).account.nonce == nonce + 1)
        }
    }
}
