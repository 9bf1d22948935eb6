import ProvaCore

/// A client's requests moved to another node because the one before failed.
public struct NodeSwitch: Sendable, Hashable {
    /// The node that was preferred and failed.
    public var from: String
    /// The node that answered instead, now preferred.
    public var to: String
    /// What went wrong at `from`.
    public var reason: ClientError

    public init(from: String, to: String, reason: ClientError) { self.from = from; self.to = to; self.reason = reason }
}

/// Failover between the validators of one chain (docs/API.md "Several nodes"): a request that finds no node, loses its
/// connection, or is answered 503 goes to the next node of the list, each node once; the node that answered is tried
/// first by later requests. A 4xx answer, a timeout and a bad answer are the request's own outcome and are not retried.
/// Sending a signed transaction again is safe: a node answers a known transaction with its status.
extension ProvaClient {
    /// Runs `attempt` against each node in turn, the preferred first, until one gets through; throws the last error,
    /// naming every node tried. Cancellation and errors that another node would repeat pass through at once.
    func failingOver<Answer>(_ attempt: (String) async throws -> Answer) async throws -> Answer {
        var failures: [(node: String, error: ClientError)] = []
        for index in ring.order() {
            let node = ring.urls[index]
            do {
                let answer = try await attempt(node)
                noteAnswer(from: index, after: failures.last?.error)
                return answer
            } catch let error as ClientError where error.warrantsFailover {
                failures.append((node, error))
            }
        }
        throw ClientError.everyNodeFailed(failures)
    }

    /// Makes the node at `index` the preferred one and reports the switch when it replaces another after `reason`.
    func noteAnswer(from index: Int, after reason: ClientError?) {
        guard let previous = ring.answered(index), let reason else { return }
        onNodeSwitch?(NodeSwitch(from: previous, to: ring.urls[index], reason: reason))
    }
}

extension ClientError {
    /// True when another validator may well succeed where this node failed: no node there, a connection lost, an
    /// unclassified transport failure, or HTTP 503 (a full mempool, a node that cannot commit blocks).
    public var warrantsFailover: Bool {
        if let httpStatus { return httpStatus == 503 }
        return code == .nodeUnreachable || code == .connectionLost || code == .transportError
    }

    /// The last of several failures, its message naming every node tried; a single failure unchanged.
    static func everyNodeFailed(_ failures: [(node: String, error: ClientError)]) -> ClientError {
        guard let last = failures.last else {
            return ClientError(.nodeUnreachable, "no node to send the request to; pass --node URL")
        }
        guard failures.count > 1 else { return last.error }
        var error = last.error
        error.message = "every node failed (tried \(failures.map(\.node).joined(separator: ", "))); the last, \(last.node): \(last.error.message)"
        return error
    }
}
