import ProvaCore

/// `GET /v1/programs/{id}/stats`: a program's newest tasks summed up — outcomes, failures by reason, measured usage
/// against the request — and what to ask for next time. Integer maths only, from the ledger's records.
enum ProgramStatisticsComputation {
    static func compute(_ program: Program, tasks: [TaskRecord]) -> ProgramStatistics {
        var byState: [String: Int] = [:]
        var failures: [String: Int] = [:]
        var runs = 0
        var walls: [Int64] = []
        var cpus: [Int64] = []
        var memories: [Int64] = []
        var limits: [Int64] = []
        var askedMemory: [Int64] = []
        var askedCPU: [Int64] = []
        var askedGPUs: [Int64] = []
        var timeShares: [Int64] = []
        var memoryShares: [Int64] = []
        // The limits runs were killed at: the next request should ask for more than those.
        var timeLimitsHit: [Seconds] = []
        var memoryLimitsHit: [ByteCount] = []
        for task in tasks where task.kind == .proof {
            byState[task.state.rawValue, default: 0] += 1
            for attempt in task.attempts {
                if let reason = RunOutcome.failureReason(of: attempt) { failures[reason, default: 0] += 1 }
                guard let result = attempt.result else { continue }
                runs += 1
                if result.timedOut { timeLimitsHit.append(task.timeLimitSeconds) }
                if result.oomKilled { memoryLimitsHit.append(task.resources.memoryBytes) }
                guard result.succeeded else { continue }
                let usage = result.usage
                walls.append(usage.wallMilliseconds)
                cpus.append(usage.cpuMilliseconds)
                memories.append(usage.peakMemoryBytes)
                limits.append(task.timeLimitSeconds)
                askedMemory.append(task.resources.memoryBytes)
                askedCPU.append(task.resources.cpuMillicores)
                askedGPUs.append(task.resources.gpus)
                timeShares.append(percent(usage.wallMilliseconds, of: task.timeLimitSeconds * 1_000))
                memoryShares.append(percent(usage.peakMemoryBytes, of: task.resources.memoryBytes))
            }
        }
        let requested = UsageSummary(askedCPU).flatMap { cpu in
            UsageSummary(askedMemory).map { Resources(cpuMillicores: cpu.median, memoryBytes: $0.median, gpus: UsageSummary(askedGPUs)?.median ?? 0) }
        }
        let wall = UsageSummary(walls)
        let cpu = UsageSummary(cpus)
        let memory = UsageSummary(memories)
        var suggestion: ResourceSuggestion?
        if let requested, let wall, let cpu, let memory {
            suggestion = suggest(requested: requested, wall: wall, cpu: cpu, memory: memory, runs: walls.count,
                                 timeLimitsHit: timeLimitsHit, memoryLimitsHit: memoryLimitsHit)
        }
        return ProgramStatistics(
            program: program.id, name: program.deploy.name, tasksRequested: program.tasksRequested, tasksVerified: program.tasksVerified,
            tasksFailed: program.tasksFailed, tasksConsidered: tasks.filter { $0.kind == .proof }.count, tasksByState: byState, runs: runs,
            runsSucceeded: walls.count, failuresByReason: failures, wallMilliseconds: wall, cpuMilliseconds: cpu, peakMemoryBytes: memory,
            requested: requested, requestedTimeLimitSeconds: UsageSummary(limits)?.median,
            timeUsedPercent: UsageSummary(timeShares)?.median, memoryUsedPercent: UsageSummary(memoryShares)?.median, suggestion: suggestion)
    }

    /// Headroom of 1.5 × the largest successful run, rounded up (time to 5 s, memory to 64 MiB); at least double the
    /// largest limit a run was killed at. CPU: what was asked, unless the runs used under half of it.
    static func suggest(requested: Resources, wall: UsageSummary, cpu: UsageSummary, memory: UsageSummary, runs: Int,
                        timeLimitsHit: [Seconds], memoryLimitsHit: [ByteCount]) -> ResourceSuggestion {
        var seconds = roundUp(wall.max * 3 / 2, to: 5_000) / 1_000
        var notes = ["1.5 × the longest of \(runs) successful runs (\(Units.formatDuration(max(wall.max / 1_000, 1))))"]
        if let limit = timeLimitsHit.max() {
            seconds = max(seconds, limit * 2)
            notes.append("\(timeLimitsHit.count) run(s) were killed at their time limit, so at least twice \(Units.formatDuration(limit))")
        }
        var bytes = roundUp(memory.max * 3 / 2, to: 64 * Units.mib)
        notes.append("memory 1.5 × the largest peak (\(Units.formatBytes(memory.max)))")
        if let limit = memoryLimitsHit.max() {
            bytes = max(bytes, limit * 2)
            notes.append("\(memoryLimitsHit.count) run(s) were OOM-killed, so at least twice \(Units.formatBytes(limit))")
        }
        // Cores in use, median over runs, in millicores: CPU time ÷ wall time.
        let used = wall.median > 0 ? cpu.median * 1_000 / wall.median : requested.cpuMillicores
        var millicores = requested.cpuMillicores
        if used * 2 < requested.cpuMillicores {
            millicores = max(roundUp(used * 5 / 4, to: 500), 500)
            notes.append("CPU: the runs used about \(Units.formatCPU(max(used, 1))) of \(Units.formatCPU(requested.cpuMillicores))")
        }
        let resources = Resources(cpuMillicores: min(millicores, Limits.maxCPUMillicores), memoryBytes: min(max(bytes, 64 * Units.mib), Limits.maxMemoryBytes),
                                  gpus: requested.gpus)
        return ResourceSuggestion(resources: resources, timeLimitSeconds: min(max(seconds, 5), Limits.maxTimeLimitSeconds),
                                  basis: notes.joined(separator: "; "))
    }

    static func percent(_ part: Int64, of whole: Int64) -> Int64 {
        whole > 0 ? part * 100 / whole : 0
    }

    static func roundUp(_ value: Int64, to step: Int64) -> Int64 {
        (max(value, 1) + step - 1) / step * step
    }
}
