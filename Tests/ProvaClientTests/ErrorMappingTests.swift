import AsyncHTTPClient
import Foundation
import NIOCore
import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient

@Suite(.tags(.unit))
struct ErrorMappingTests {
    let node = "http://127.0.0.1:8545"

    @Test func apiErrorBodyKeepsTheNodesCodeAndMessage() {
        let body = Array(#"{"code":"insufficient_balance","message":"balance 0 is below the fee 34998; get credits first"}"#.utf8)
        let error = ClientError.fromHTTP(status: 422, body: body)
        #expect(error.code == .insufficientBalance)
        #expect(error.message == "balance 0 is below the fee 34998; get credits first")
        #expect(error.httpStatus == 422)
        #expect(error.isClientMistake)
        #expect(error.apiError == APIError(code: .insufficientBalance, message: "balance 0 is below the fee 34998; get credits first"))
    }

    @Test func rejectedTransactionStatusCarriesItsError() {
        let body = Array(#"{"hash":"ab","status":"rejected","error":{"code":"nonce_replayed","message":"nonce 3 was used; use 4"}}"#.utf8)
        let error = ClientError.fromHTTP(status: 422, body: body)
        #expect(error.code == .nonceReplayed)
        #expect(error.message == "nonce 3 was used; use 4")
    }

    @Test func nonJSONBodyStillSaysWhatHappened() {
        let error = ClientError.fromHTTP(status: 502, body: Array("Bad Gateway".utf8))
        #expect(error.code.rawValue == "http_502")
        #expect(error.message.contains("502"))
        #expect(error.message.contains("Bad Gateway"))
        #expect(!error.isClientMistake)
        #expect(ClientError.fromHTTP(status: 404, body: []).message.contains("compatible"))
    }

    @Test func connectionRefusedIsNodeUnreachable() {
        let refused = ClientError.transport(IOError(errnoCode: ECONNREFUSED, reason: "connect"), node: node)
        #expect(refused.code == .nodeUnreachable)
        #expect(refused.message == "no Prova node at \(node); start one with `prova devnet` or pass --node")
        #expect(ClientError.transport(HTTPClientError.connectTimeout, node: node).code == .nodeUnreachable)
        #expect(ClientError.transport(ChannelError.connectTimeout(.seconds(1)), node: node).code == .nodeUnreachable)
    }

    @Test func otherTransportFailuresAreNamed() {
        #expect(ClientError.transport(HTTPClientError.deadlineExceeded, node: node).code == .timeout)
        #expect(ClientError.transport(HTTPClientError.remoteConnectionClosed, node: node).code == .connectionLost)
        #expect(ClientError.transport(HTTPClientError.invalidURL, node: node).code == .badNodeUrl)
        #expect(ClientError.transport(CocoaError(.fileNoSuchFile), node: node).code == .transportError)
        let original = ClientError(.badOption, "y")
        #expect(ClientError.transport(original, node: node) == original)
    }

    @Test func descriptionIsTheMessageAndCause() {
        #expect(ClientError(.badOption, "do this", cause: "because").description == "do this (because)")
        #expect(ClientError(.badOption, "do this").description == "do this")
    }
}
