import Foundation
import Logging
import ProvaClient
import ProvaCore

/// Makes sure the chain knows this worker with the declared capacity: registers (staking), re-registers when the
/// declaration changed, and leaves an identical registration alone (re-registering would put it back on probation).
enum Registration {
    static func ensure(client: ProvaClient, sender: TransactionSender, address: Address, configuration: WorkerConfiguration,
                       parameters: ChainParameters, logger: Logger) async throws -> Worker? {
        let view = try await sender.retrying("read the worker's account") { try await client.account(address) }
        let declared = RegisterWorker(capacity: configuration.capacity, diskBytes: configuration.diskBytes, labels: configuration.labels,
                                      stake: 0, endpoint: configuration.endpoint)
        var stake = configuration.stake ?? parameters.minWorkerStake
        if let worker = view.worker, worker.status != .exited {
            if worker.status == .exiting {
                let when = worker.exitAtMilliseconds.map { Date(timeIntervalSince1970: Double($0) / 1000).formatted(.iso8601) } ?? "soon"
                throw WorkerError(.workerExiting, "worker \(address) announced its exit; it gets no work, and its stake returns at \(when) (block time). Start it again after that to register anew, or use another key")
            }
            let same = worker.capacity == declared.capacity && worker.diskBytes == declared.diskBytes && worker.labels == declared.labels
            if same && worker.stake >= parameters.minWorkerStake {
                logger.info("already registered", metadata: ["worker": "\(address)", "status": "\(worker.status.rawValue)", "capacity": "\(worker.capacity.summary)"])
                return worker
            }
            // Only what is missing from the minimum is added to an existing stake (unless --stake asks for more).
            stake = configuration.stake ?? max(0, parameters.minWorkerStake - worker.stake)
            if !same {
                logger.notice("the declared capacity differs from the registration; registering again (the worker goes back on probation)",
                              metadata: ["registered": "\(worker.capacity.summary)", "declared": "\(declared.capacity.summary)"])
            }
        }
        guard view.account.balance >= stake else {
            throw WorkerError(.insufficientBalance, "registering stakes \(Units.formatCredits(stake)) credits but \(address) holds \(Units.formatCredits(view.account.balance)); fund the account (on a devnet: `prova account fund`) or lower --stake (the minimum is \(Units.formatCredits(parameters.minWorkerStake)))")
        }
        var body = declared
        body.stake = stake
        do {
            try await sender.send(.registerWorker(body))
        } catch let error as ClientError where error.code == .workerBusy {
            // Work in flight under the old declaration: keep serving it; the new one can be registered once idle.
            logger.warning("cannot re-register while work is in flight; keeping the registered capacity for now", metadata: ["error": "\(error)"])
            return view.worker
        } catch let error as ClientError {
            throw WorkerError(.registrationFailed, "registering worker \(address) failed: \(error.message)", cause: error.code.rawValue)
        }
        let registered = try await sender.retrying("read the worker") { try await client.account(address).worker }
        logger.notice("registered; waiting for the capacity test", metadata: ["worker": "\(address)", "stake": "\(Units.formatCredits(stake))",
                                                                                "capacity": "\(declared.capacity.summary)"])
        return registered
    }
}
