import Foundation
import ProvaCore
import ProvaTesting
import Testing

@Suite("Canonical encoding and signatures", .tags(.unit))
struct EncodingAndSigningTests {
    struct Sample: Codable {
        var zeta: Int
        var alpha: String
        var nested: [String: Int]
        var optional: String?
    }

    @Test("canonical JSON sorts keys, has no whitespace, omits nil and escapes control characters")
    func canonical() throws {
        let text = try CanonicalJSON.string(Sample(zeta: 1, alpha: "a\"b\n\u{1}", nested: ["b": 2, "a": 1], optional: nil))
        #expect(text == #"{"alpha":"a\"b\n\u0001","nested":{"a":1,"b":2},"zeta":1}"#)
    }

    @Test("floating point is refused")
    func floats() {
        struct Bad: Codable { var value: Double }
        #expect(throws: EncodingError.self) { try CanonicalJSON.encode(Bad(value: 1.5)) }
    }

    @Test("a transaction round-trips through JSON and verifies; any change breaks the signature")
    func signing() throws {
        let key = AccountKey(deterministicFrom: "signer")
        let body = TransactionBody.transfer(Transfer(to: AccountKey(deterministicFrom: "x").address, amount: 5))
        let signed = try UnsignedTransaction(chain: ChainIdentity(chainID: "c", genesisHash: SHA256Hex.of("g")), sender: key.publicKeyHex, nonce: 7, body: body).signed(by: key)
        let decoded = try JSONDecoder().decode(SignedTransaction.self, from: JSONEncoder().encode(signed))
        let verified = try decoded.verified(chain: ChainIdentity(chainID: "c", genesisHash: SHA256Hex.of("g")))
        #expect(verified.senderAddress == key.address)
        #expect(SHA256Hex.isDigest(verified.hash))

        var tampered = decoded
        tampered.nonce = 8
        let refusal = #expect(throws: ProvaCoreError.self) {
            try tampered.verified(chain: ChainIdentity(chainID: "c", genesisHash: SHA256Hex.of("g")))
        }
        #expect(refusal?.code == .badSignature)
        #expect(throws: ProvaCoreError.self) { try decoded.verified(chain: ChainIdentity(chainID: "other", genesisHash: SHA256Hex.of("g"))) }
        #expect(throws: ProvaCoreError.self) { try decoded.verified(chain: ChainIdentity(chainID: "c", genesisHash: SHA256Hex.of("another genesis"))) }
    }

    @Test("flat wire form names the kind in `type`")
    func wireForm() throws {
        let body = TransactionBody.commitVote(CommitVote(task: String(repeating: "a", count: 64), attempt: 1, commitment: String(repeating: "b", count: 64)))
        let text = try CanonicalJSON.string(body)
        #expect(text == #"{"attempt":1,"commitment":"\#(String(repeating: "b", count: 64))","task":"\#(String(repeating: "a", count: 64))","type":"CommitVote"}"#)
        let back = try JSONDecoder().decode(TransactionBody.self, from: Data(text.utf8))
        #expect(back == body)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TransactionBody.self, from: Data(#"{"type":"Nope"}"#.utf8)) }
    }

    @Test("the program ID covers every behaviour-changing field")
    func programID() {
        let base = DeployProgram(name: "p", prover: ImageSpec(digest: SHA256Hex.of("a"), command: ["run"]),
                                 verifier: ImageSpec(digest: SHA256Hex.of("b"), command: ["check"]),
                                 defaultResources: Resources(cpuMillicores: 1000, memoryBytes: 1 << 30), defaultTimeLimitSeconds: 60,
                                 verifierResources: Resources(cpuMillicores: 1000, memoryBytes: 1 << 30), verifierTimeLimitSeconds: 10)
        var changed = base
        changed.verifierResources.cpuMillicores = 2000
        var env = base
        env.prover.environment = ["A=1"]
        #expect(Set([base.programID, changed.programID, env.programID]).count == 3)
    }

    @Test("shape checks refuse unsafe paths, duplicate environment keys and workflow cycles")
    func shapes() {
        let program = SHA256Hex.of("p")
        func request(path: String, env: [String] = []) -> TransactionBody {
            .requestProof(RequestProof(program: program, inputs: [InputRef(path: path, digest: SHA256Hex.of("i"), size: 1)],
                                       resources: Resources(cpuMillicores: 1000, memoryBytes: 1 << 30), timeLimitSeconds: 10, environment: env))
        }
        for path in ["../etc/passwd", "/abs", "a//b", "a/./b", ""] {
            #expect(throws: ProvaCoreError.self) { try request(path: path).validateShape() }
        }
        #expect(throws: ProvaCoreError.self) { try request(path: "ok", env: ["A=1", "A=2"]).validateShape() }
        #expect(throws: Never.self) { try request(path: "dir/ok.json", env: ["A=1", "B=2"]).validateShape() }

        let step = { (name: String, parent: String?) in
            WorkflowStep(name: name, program: program, inputs: parent.map { [StepInput.output(ofStep: $0, path: "proof")] } ?? [],
                         resources: Resources(cpuMillicores: 1000, memoryBytes: 1 << 30), timeLimitSeconds: 10)
        }
        let cycle = SubmitWorkflow(name: "w", steps: [step("a", "c"), step("b", "a"), step("c", "b")])
        #expect(throws: ProvaCoreError.self) { try TransactionBody.submitWorkflow(cycle).validateShape() }
        let dag = SubmitWorkflow(name: "w", steps: [step("a", nil), step("b", "a"), step("c", "a")])
        #expect(throws: Never.self) { try TransactionBody.submitWorkflow(dag).validateShape() }
    }
}
