import Hummingbird
import ProvaCore
import ProvaLedger
import ProvaStore

/// Routes that sum up history for users: a program's statistics and an account's movements of credits.
extension APIRouter {
    static func addInsightRoutes(_ router: Router<BasicRequestContext>, node: ValidatorNode) {
        // `limit`: how many of the program's newest tasks to sum up (1 to 1,000, default 200).
        router.get("/v1/programs/:id/stats") { request, context -> Response in
            let id = try HTTP.digest(context, "id", what: "the program ID")
            let limit = try HTTP.limit(request, default: 200, max: 1_000)
            guard let program = await node.state.programs[id] else {
                throw NodeError(.notFound, .notFound, "program \(id) was not found; check the ID with `prova program list`")
            }
            let tasks = try node.store.tasks(state: nil, requester: nil, program: id, worker: nil, limit: limit)
            return try HTTP.json(ProgramStatisticsComputation.compute(program, tasks: tasks))
        }
        // `limit`: entries per page (1 to 200, default 50); `before`: the `next` cursor of the previous page.
        router.get("/v1/accounts/:address/history") { request, context -> Response in
            let address = try HTTP.address(context.parameters.get("address"))
            let limit = try HTTP.limit(request, default: 50, max: 200)
            var before: HistoryCursor?
            if let text = HTTP.query(request, "before") {
                guard let cursor = HistoryCursor(text) else {
                    throw NodeError.badRequest("before must be the `next` cursor of a previous page (HEIGHT:KEY, e.g. 120:7)")
                }
                before = cursor
            }
            return try HTTP.json(try AccountHistoryReader.read(address, before: before, limit: limit, store: node.store))
        }
    }
}
