import ProvaCore
import ProvaLedger

/// The users' side: Poisson arrivals turned into RequestProof and SubmitWorkflow transactions.
extension Simulation {
    mutating func generateArrivals(from: Milliseconds, to: Milliseconds, height: UInt64) {
        let programID = program.programID
        for arrival in workload.arrivals(from: from, to: to, random: &workloadRandom) {
            guard tasksRequested < config.tasks else { break }
            let taskClass = config.classes[arrival.classIndex]
            let requester = requesters[nextRequester % requesters.count]
            nextRequester += 1
            arrivalCount += 1
            let input = InputRef(path: "input.bin", digest: SHA256Hex.of("prova-sim/input/\(config.seed)/\(arrivalCount)"), size: 1 << 20)
            let redundancy = config.mechanism == .race ? config.raceProvers : taskClass.redundancy
            switch taskClass.shape {
            case .single:
                let body = RequestProof(program: programID, inputs: [input], resources: taskClass.resources, timeLimitSeconds: taskClass.timeLimitSeconds,
                                        redundancy: redundancy, verifiers: config.verifiers)
                outbox.schedule(ScheduledTransaction(sender: requester, body: .requestProof(body), purpose: .request(classIndex: arrival.classIndex, arrival: arrival.time)),
                                atHeight: height)
            case .workflow:
                var raced = taskClass
                raced.redundancy = redundancy
                guard var body = Workflows.body(for: raced, program: programID, input: input, index: arrivalCount) else { continue }
                for index in body.steps.indices {
                    body.steps[index].verifiers = config.verifiers
                    if config.mechanism == .race { body.steps[index].redundancy = config.raceProvers }
                }
                outbox.schedule(ScheduledTransaction(sender: requester, body: .submitWorkflow(body), purpose: .workflow(classIndex: arrival.classIndex, arrival: arrival.time)),
                                atHeight: height)
            }
            tasksRequested += taskClass.taskCount
        }
        if tasksRequested >= config.tasks { arrivalsEnded = to }
    }
}
