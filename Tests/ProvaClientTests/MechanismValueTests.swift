import Foundation
import ProvaClient
import ProvaCore
import ProvaTesting
import Testing

/// The values behind `proof verify`, `task logs`, `task cancel` and `account history`, without a node.
@Suite(.tags(.unit))
struct MechanismValueTests {
    @Test func proofDirectoriesMountEveryFileAtItsRelativePath() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("prova-proof-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("keys"), withIntermediateDirectories: true)
        try Data("p".utf8).write(to: root.appendingPathComponent("proof.json"))
        try Data("k".utf8).write(to: root.appendingPathComponent("keys/vk.bin"))
        #expect(try ProofFiles.collect(root).map(\.path) == ["keys/vk.bin", "proof.json"])
        #expect(try ProofFiles.collect(root.appendingPathComponent("proof.json")).map(\.path) == ["proof.json"])

        try FileManager.default.createSymbolicLink(at: root.appendingPathComponent("escape"), withDestinationURL: URL(fileURLWithPath: "/etc/hostname"))
        let link = #expect(throws: ClientError.self) { try ProofFiles.collect(root) }
        #expect(link?.code == .badInput)

        let empty = root.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect((#expect(throws: ClientError.self) { try ProofFiles.collect(empty) })?.code == .badInput)
        #expect((#expect(throws: ClientError.self) { try ProofFiles.collect(root.appendingPathComponent("missing")) })?.code == .fileUnreadable)
    }

    @Test func runOutcomesAreSpelledOut() {
        func result(_ code: Int32, timedOut: Bool = false, oom: Bool = false, message: String? = nil) -> SubmitResult {
            SubmitResult(task: "t", attempt: 1, exitCode: code, timedOut: timedOut, oomKilled: oom, outputs: [], message: message)
        }
        let cases: [(SubmitResult, String, String?)] = [
            (result(0), "exited 0", nil),
            (result(137, oom: true), "OOM-killed at 2GiB (exit code 137)", "out of memory"),
            (result(143, timedOut: true), "killed at the time limit of 1m (exit code 143)", "time limit"),
            (result(137), "killed by signal 9 (SIGKILL) (exit code 137)", "killed by signal 9"),
            (result(3), "exit code 3", "exit code 3"),
            (result(-1, message: "image missing"), "could not start: image missing", "could not start"),
        ]
        for (run, words, category) in cases {
            #expect(RunOutcome.describe(run, memoryBytes: 2 * Units.gib, timeLimitSeconds: 60) == words)
            #expect(RunOutcome.category(run) == category)
        }
    }

    @Test func historyCursorsRoundTripAndRefuseAnythingElse() {
        let fee = HistoryCursor.fee(height: 12, firstEvent: 3)
        let event = HistoryCursor.event(height: 12, position: 3)
        #expect(fee < event && event < HistoryCursor.fee(height: 12, firstEvent: 4) && event < HistoryCursor.fee(height: 13, firstEvent: 0))
        #expect(HistoryCursor(event.text) == event && event.text == "12:7")
        for bad in ["", "12", "12:", ":7", "12:7:1", "-1:3", "a:b", "1:99999999999999999999", " 1:2"] {
            #expect(HistoryCursor(bad) == nil, "\(bad)")
        }
    }

    @Test func aCancelReceiptSumsTheTasksRefundsAndPayments() {
        let events = [
            LedgerEvent(.paid, height: 9, task: "t", worker: "w", account: "w", amount: 40),
            LedgerEvent(.refunded, height: 9, task: "t", account: "r", amount: 60),
            LedgerEvent(.refunded, height: 9, task: "other", account: "r", amount: 7),
        ]
        let outcome = TransactionOutcome(hash: "h", index: 0, sender: "r", kind: .CancelTask, created: nil, firstEvent: 0, eventCount: 3, fee: 1_100)
        let receipt = CancelReceipt(status: TransactionStatus(hash: "h", status: .committed, height: 9, outcome: outcome, events: events), task: "t")
        #expect(receipt.refunded == 60 && receipt.paidToProvers == 40 && receipt.fee == 1_100)
    }
}
