import Foundation
import ProvaCore
import ProvaTesting
import Testing
import ProvaClient

/// The OpenAPI document matches the routes: every documented path and method is served (no "no route" answer),
/// and answers with one of the statuses the document lists for it.
@Suite("OpenAPI document", .tags(.integration))
struct OpenAPITests {
    struct Operation {
        var path: String
        var method: String
        var statuses: Set<Int>
    }

    /// A small reader for the document's shape: `  /path:` then `    method:` then `        "NNN":` status keys.
    static func operations(_ yaml: String) -> [Operation] {
        var operations: [Operation] = []
        var path: String?
        var inPaths = false
        for line in yaml.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("paths:") { inPaths = true; continue }
            if inPaths, !line.hasPrefix(" "), !line.isEmpty { inPaths = false }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":") {
                path = String(line.dropFirst(2).dropLast())
            } else if let current = path, line.hasPrefix("    "), !line.hasPrefix("     "), line.hasSuffix(":"),
                      ["get", "put", "post", "head", "delete"].contains(line.trimmingCharacters(in: .whitespaces).dropLast()) {
                operations.append(Operation(path: current, method: String(line.trimmingCharacters(in: .whitespaces).dropLast()).uppercased(), statuses: []))
            } else if !operations.isEmpty {
                let pattern = /"(\d{3})":/
                for match in line.matches(of: pattern) { operations[operations.count - 1].statuses.insert(Int(match.1) ?? 0) }
            }
        }
        return operations
    }

    @Test("every documented route answers with a documented status")
    func walk() async throws {
        try await LiveNode.with { live in
            let document = try await live.raw("GET", "/openapi.yaml", contentType: nil)
            #expect(document.status == 200)
            let operations = Self.operations(document.body)
            #expect(operations.count >= 25)
            let committed = try await live.client.send(.transfer(Transfer(to: live.workers[0].address, amount: 1)), signedBy: live.user)
            let examples = [
                "{hash}": committed.hash, "{id}": SHA256Hex.of("unknown"), "{digest}": SHA256Hex.of("unknown"),
                "{address}": live.user.address, "{height}": "1", "{name}": "none",
            ]
            for operation in operations where operation.path != "/v1/events" {
                var path = operation.path
                for (placeholder, value) in examples { path = path.replacingOccurrences(of: placeholder, with: value) }
                if path == "/v1/quote" { path += "?cpus=32&memory=190GiB&gpus=1&time=5m" }
                let body: [UInt8]
                switch (operation.method, operation.path) {
                case ("POST", "/v1/transactions"): body = Array(try JSONEncoder().encode(try live.sign(.transfer(Transfer(to: live.workers[0].address, amount: 1)), by: live.user, nonce: try await live.client.account(live.user.address).nextNonce)))
                case ("POST", "/v1/faucet"): body = Array(#"{"address":"\#(live.user.address)","amount":5}"#.utf8)
                case ("PUT", _): body = Array("blob".utf8)
                default: body = []
                }
                let answer = try await live.raw(operation.method, path, body: body,
                                                contentType: operation.method == "PUT" ? "application/octet-stream" : (body.isEmpty ? nil : "application/json"))
                #expect(LiveNode.errorCode(answer.body) != "not_found" || operation.statuses.contains(404) && !answer.body.contains("no route"),
                        "\(operation.method) \(path) is documented but not served: \(answer.body)")
                #expect(operation.statuses.contains(answer.status), "\(operation.method) \(path) answered \(answer.status), documented \(operation.statuses.sorted())")
            }
        }
    }
}

@Suite("Explorer", .tags(.integration))
struct ExplorerTests {
    @Test("the explorer page is served at / and calls only documented routes")
    func explorer() async throws {
        try await LiveNode.with { live in
            let page = try await live.raw("GET", "/", contentType: nil)
            #expect(page.status == 200)
            #expect(page.body.contains("<title>Prova explorer</title>"))
            let document = try await live.raw("GET", "/openapi.yaml", contentType: nil).body
            let documented = Set(OpenAPITests.operations(document).map(\.path))
            let called = page.body.matches(of: /(?:api|EventSource)\("(\/v1\/[a-z-]+)/).map { String($0.1) }
            #expect(called.count >= 6)
            for path in called {
                #expect(documented.contains(path) || documented.contains(path + "/{id}"), "the explorer calls \(path), which is not documented")
            }
        }
    }
}
