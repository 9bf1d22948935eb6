import Foundation
public import Hummingbird
import ProvaCore
import ProvaLedger
import ProvaStore

/// The HTTP API of DESIGN §9 and docs/API.md, under `/v1`, plus `/metrics`, `/healthz` and `/openapi.yaml`.
public enum APIRouter {
    public static func make(node: ValidatorNode) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIErrorMiddleware(metrics: node.metrics))
        addTransactionRoutes(router, node: node)
        addChainRoutes(router, node: node)
        addInsightRoutes(router, node: node)
        addBlobRoutes(router, node: node)
        addEventRoutes(router, node: node)
        addOperationRoutes(router, node: node)
        return router
    }

    static func addTransactionRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        router.post("/v1/transactions") { request, _ -> Response in
            let transaction = try await HTTP.decode(SignedTransaction.self, from: request, limit: node.configuration.maxTransactionBytes)
            let accepted = try await node.submit(transaction)
            return try await answer(accepted, request: request, node: node)
        }
        router.get("/v1/transactions/:hash") { _, context -> Response in
            let hash = try HTTP.digest(context, "hash", what: "the transaction hash")
            guard let status = try await node.transactionStatus(hash) else { throw NodeError.notFound("transaction \(hash)") }
            return try HTTP.json(status)
        }
        router.post("/v1/faucet") { request, _ -> Response in
            let body = try await HTTP.decode(FaucetRequest.self, from: request, limit: 4_096)
            _ = try HTTP.address(body.address)
            guard body.amount > 0, body.amount <= 1_000_000 * MicroCredit.perCredit else {
                throw NodeError.badRequest("amount must be 1 µcr to 1,000,000 credits (in µcr)")
            }
            let accepted = try await node.faucet(body)
            let committed = await node.waitForOutcome(accepted.hash, timeout: .seconds(30))
            return try HTTP.json(committed)
        }
    }

    /// 202 pending, or with `?wait=commit`: 200 committed / 422 rejected (or 202 if the wait timed out).
    static func answer(_ accepted: TransactionStatus, request: Request, node: ValidatorNode) async throws -> Response {
        guard let wait = HTTP.query(request, "wait") else {
            return try HTTP.json(accepted, status: accepted.status == .committed ? .ok : .accepted)
        }
        guard wait == "commit" else { throw NodeError.badRequest("wait must be 'commit'") }
        var seconds = 30
        if let text = HTTP.query(request, "timeout") {
            guard let value = Int(text), (1...node.configuration.maxWaitSeconds).contains(value) else {
                throw NodeError.badRequest("timeout must be 1 to \(node.configuration.maxWaitSeconds) seconds")
            }
            seconds = value
        }
        let status = await node.waitForOutcome(accepted.hash, timeout: .seconds(seconds))
        switch status.status {
        case .committed: return try HTTP.json(status)
        case .pending: return try HTTP.json(status, status: .accepted)
        case .rejected: return try HTTP.json(status, status: .unprocessableContent)
        }
    }

    static func addChainRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        router.get("/v1/status") { _, _ in try HTTP.json(await node.chainStatus()) }
        // The genesis this chain started from: what a new validator, a follower or an auditor replays from.
        router.get("/v1/genesis") { _, _ in try HTTP.json(node.genesis) }
        router.get("/v1/stats") { _, _ in try HTTP.json(await node.stats()) }
        router.get("/v1/quote") { request, _ -> Response in
            let parameters = await node.state.parameters
            return try HTTP.json(try QuoteQuery.parse(request).quote(prices: parameters.prices))
        }
        router.get("/v1/blocks") { request, _ -> Response in
            let limit = try HTTP.limit(request)
            var before: UInt64?
            if let text = HTTP.query(request, "before") {
                guard let value = UInt64(text) else { throw NodeError.badRequest("before must be a block height") }
                before = value
            }
            return try HTTP.json(try node.store.blockSummaries(limit: limit, before: before))
        }
        router.get("/v1/blocks/:height") { _, context -> Response in
            guard let height = context.parameters.get("height").flatMap({ UInt64($0) }) else { throw NodeError.badRequest("height must be a whole number") }
            guard let detail = try node.store.block(height: height) else { throw NodeError.notFound("block \(height)") }
            return try HTTP.json(detail)
        }
        router.get("/v1/accounts/:address") { _, context -> Response in
            let address = try HTTP.address(context.parameters.get("address"))
            let state = await node.state
            let next = await node.nextNonce(of: address)
            return try HTTP.json(AccountView(account: state.accounts[address] ?? Account(address: address), nextNonce: next, worker: state.workers[address]))
        }
        router.get("/v1/programs") { request, _ in try HTTP.json(try node.store.programs(limit: try HTTP.limit(request))) }
        router.get("/v1/programs/:id") { _, context -> Response in
            let id = try HTTP.digest(context, "id", what: "the program ID")
            guard let program = await node.state.programs[id] else { throw NodeError.notFound("program \(id)") }
            return try HTTP.json(program)
        }
        router.get("/v1/tasks") { request, _ -> Response in
            var state: TaskState?
            if let text = HTTP.query(request, "state") {
                guard let value = TaskState(rawValue: text) else { throw NodeError.badRequest("state must be one of pending, assigned, running, delivered, verified, acceptedUnverified, failed, cancelled, expired") }
                state = value
            }
            return try HTTP.json(try node.store.tasks(state: state, requester: try HTTP.optionalAddress(request, "requester"),
                                                      program: try HTTP.optionalDigest(request, "program"),
                                                      worker: try HTTP.optionalAddress(request, "worker"), limit: try HTTP.limit(request)))
        }
        router.get("/v1/tasks/:id") { _, context -> Response in
            let id = try HTTP.digest(context, "id", what: "the task ID")
            guard let task = await node.state.tasks[id] else { throw NodeError.notFound("task \(id)") }
            return try HTTP.json(task)
        }
        router.get("/v1/tasks/:id/certificate") { _, context -> Response in
            let id = try HTTP.digest(context, "id", what: "the task ID")
            return try HTTP.json(try await node.certificate(for: id))
        }
        router.get("/v1/workers") { request, _ -> Response in
            var status: WorkerStatus?
            if let text = HTTP.query(request, "status") {
                guard let value = WorkerStatus(rawValue: text) else { throw NodeError.badRequest("status must be one of probation, active, jailed, exiting, exited") }
                status = value
            }
            let workers = await node.state.workers.values.filter { status == nil || $0.status == status }.sorted { $0.address < $1.address }
            return try HTTP.json(workers)
        }
        router.get("/v1/workers/:address") { _, context -> Response in
            let address = try HTTP.address(context.parameters.get("address"))
            guard let worker = await node.state.workers[address] else { throw NodeError.notFound("worker \(address)") }
            return try HTTP.json(worker)
        }
        router.get("/v1/workflows") { request, _ in
            try HTTP.json(try node.store.workflows(requester: try HTTP.optionalAddress(request, "requester"), limit: try HTTP.limit(request)))
        }
        router.get("/v1/workflows/:id") { _, context -> Response in
            let id = try HTTP.digest(context, "id", what: "the workflow ID")
            guard let workflow = await node.state.workflows[id] else { throw NodeError.notFound("workflow \(id)") }
            return try HTTP.json(workflow)
        }
        router.get("/v1/prover-sets") { _, _ in try HTTP.json(await node.state.proverSets.values.sorted { $0.name < $1.name }) }
        router.get("/v1/prover-sets/:name") { _, context -> Response in
            let name = context.parameters.get("name") ?? ""
            guard let set = await node.state.proverSets[name] else { throw NodeError.notFound("prover set '\(name)'") }
            return try HTTP.json(set)
        }
    }

    static func addOperationRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        router.get("/healthz") { _, _ -> Response in
            if let divergence = await node.divergence {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                body: .init(byteBuffer: ByteBuffer(string: "diverged: this validator stopped applying the cluster's blocks (\(divergence))\n")))
            }
            if let failure = await node.clusterFailure {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                body: .init(byteBuffer: ByteBuffer(string: "degraded: the cluster's etcd cannot be reached (\(failure))\n")))
            }
            if let failure = await node.commitFailure {
                return Response(status: .serviceUnavailable, headers: [.contentType: "text/plain"],
                                body: .init(byteBuffer: ByteBuffer(string: "degraded: the last block could not be committed (\(failure))\n")))
            }
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok\n")))
        }
        router.get("/metrics") { _, _ -> Response in
            _ = await node.stats()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(string: node.metrics.render())))
        }
        router.get("/") { _, _ in try resource("explorer", "html", contentType: "text/html; charset=utf-8") }
        router.get("/openapi.yaml") { _, _ in try resource("openapi", "yaml", contentType: "application/yaml") }
    }
}

/// A file shipped in the module's Resources, served as is.
func resource(_ name: String, _ fileExtension: String, contentType: String) throws -> Response {
    guard let url = Bundle.module.url(forResource: name, withExtension: fileExtension, subdirectory: "Resources"),
          let text = try? String(contentsOf: url, encoding: .utf8) else {
        throw NodeError(.internalServerError, .resourceMissing, "\(name).\(fileExtension) is missing from this build")
    }
    return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(string: text)))
}

/// `GET /v1/quote?cpus=32&memory=190GiB&gpus=1&time=5m&redundancy=1`, human units accepted.
struct QuoteQuery {
    var resources: Resources
    var seconds: Seconds
    var redundancy: Int64

    static func parse(_ request: Request) throws -> QuoteQuery {
        guard let cpus = HTTP.query(request, "cpus"), let memory = HTTP.query(request, "memory"), let time = HTTP.query(request, "time") else {
            throw NodeError.badRequest("give cpus, memory and time, e.g. /v1/quote?cpus=32&memory=190GiB&gpus=1&time=5m")
        }
        let gpus = try HTTP.query(request, "gpus").map { text -> Int64 in
            guard let value = Int64(text), (0...64).contains(value) else { throw NodeError.badRequest("gpus must be a whole number from 0 to 64") }
            return value
        } ?? 0
        let redundancy = try HTTP.query(request, "redundancy").map { text -> Int64 in
            guard let value = Int64(text), (1...Limits.maxRedundancy).contains(value) else { throw NodeError.badRequest("redundancy must be 1 to \(Limits.maxRedundancy)") }
            return value
        } ?? 1
        let seconds = try Units.parseDuration(time)
        guard seconds <= Limits.maxTimeLimitSeconds else { throw NodeError.badRequest("time must be at most \(Limits.maxTimeLimitSeconds) seconds") }
        let resources = Resources(cpuMillicores: try Units.parseCPU(cpus), memoryBytes: try Units.parseBytes(memory), gpus: gpus)
        guard resources.cpuMillicores <= Limits.maxCPUMillicores, resources.memoryBytes <= Limits.maxMemoryBytes else {
            throw NodeError.badRequest("no worker may declare more than \(Units.formatCPU(Limits.maxCPUMillicores)) CPU and \(Units.formatBytes(Limits.maxMemoryBytes)); ask for less")
        }
        return QuoteQuery(resources: resources, seconds: seconds, redundancy: redundancy)
    }

    func quote(prices: PriceSchedule) throws -> Quote {
        try Pricing.quote(resources, seconds: seconds, redundancy: redundancy, prices: prices)
    }
}
