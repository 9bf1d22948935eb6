public import Foundation
public import ProvaCore
public import ProvaSandbox

/// How a worker runs: which node it follows, what it declares, where it keeps its state, and its local bounds.
public struct WorkerConfiguration: Sendable {
    /// The node the worker follows and sends transactions to, or several validators of one chain separated by commas:
    /// the worker's requests and its event stream fail over between them (`ProvaClient`).
    public var node: String
    /// Further nodes whose blob stores are tried when the main node lacks an image, input or proof.
    public var blobMirrors: [String]
    /// Declared capacity. `gpus` must equal `gpuDevices.count`.
    public var capacity: Resources
    public var diskBytes: ByteCount
    public var labels: [String: String]
    /// Journal, event cursor, image cache, download cache, run directories and runc state.
    public var dataDirectory: URL
    /// Credits to stake when registering; nil stakes the chain's `minWorkerStake`.
    public var stake: MicroCredits?
    /// Informational contact address put in the registration.
    public var endpoint: String?
    /// The devices handed to tasks that ask for GPUs (`GPUInventory.locate()`: a CDI spec's, else /dev/nvidiaN).
    public var gpuDevices: [GPUDevice]
    /// Largest single input, image or proof file the worker downloads.
    public var maxDownloadBytes: ByteCount
    /// Disk budget of imported images (least recently used are evicted beyond it).
    public var imageCacheBytes: ByteCount
    /// Disk budget of downloaded inputs kept for reuse by later runs and verifications.
    public var downloadCacheBytes: ByteCount
    /// Size of each run's /output file system (a host tmpfs): the bound on the total size of a run's outputs.
    public var outputBytesLimit: ByteCount
    /// Most regular files a run may leave in /output, and most bytes in one's path; a run past either is a failed run of
    /// the program. The defaults keep the worst result inside the chain's `SubmitResult` limit (checked at start-up).
    public var maxOutputFiles: Int = RunLimits.defaultMaxOutputFiles
    public var maxOutputPathBytes: Int = RunLimits.defaultMaxOutputPathBytes
    /// Processes and threads per container.
    public var pidsLimit: Int
    /// stdout and stderr kept per run (each); the rest is counted in the digest but dropped.
    public var logBytesLimit: ByteCount
    public var runcPath: String
    /// Seccomp profile of every container; nil runs without one (only for hosts that lack the containers profile).
    public var seccompProfile: SeccompProfile?
    /// Attempts per download source and per upload before giving up.
    public var transferAttempts: Int
    /// Whether graceful shutdown announces the worker's exit (an operator leaving) or only drains (a devnet that will resume).
    public var announceExitOnShutdown: Bool = true

    public init(node: String, blobMirrors: [String] = [], capacity: Resources, diskBytes: ByteCount = 100 * Units.gib,
                labels: [String: String] = [:], dataDirectory: URL, stake: MicroCredits? = nil, endpoint: String? = nil,
                gpuDevices: [GPUDevice] = [], maxDownloadBytes: ByteCount = 4 * Units.gib, imageCacheBytes: ByteCount = 20 * Units.gib,
                downloadCacheBytes: ByteCount = 10 * Units.gib, outputBytesLimit: ByteCount = Units.gib, pidsLimit: Int = 1024,
                logBytesLimit: ByteCount = Units.mib, runcPath: String = "runc", seccompProfile: SeccompProfile?, transferAttempts: Int = 3) {
        self.node = node; self.blobMirrors = blobMirrors; self.capacity = capacity; self.diskBytes = diskBytes; self.labels = labels
        self.dataDirectory = dataDirectory; self.stake = stake; self.endpoint = endpoint; self.gpuDevices = gpuDevices
        self.maxDownloadBytes = maxDownloadBytes; self.imageCacheBytes = imageCacheBytes; self.downloadCacheBytes = downloadCacheBytes
        self.outputBytesLimit = outputBytesLimit; self.pidsLimit = pidsLimit; self.logBytesLimit = logBytesLimit; self.runcPath = runcPath
        self.seccompProfile = seccompProfile; self.transferAttempts = transferAttempts
    }

    /// Picks `count` GPUs of this host; a clear error when it has fewer.
    public static func gpus(_ count: Int, discovered: [GPUDevice] = GPUDiscovery.nvidiaDevices()) throws -> [GPUDevice] {
        try gpus(count, from: GPUInventory(source: .discovered(devDirectory: "/dev"), devices: discovered))
    }

    /// Picks `count` GPUs of an inventory (a CDI spec's or /dev's); a clear error, naming the source, when it has fewer.
    public static func gpus(_ count: Int, from inventory: GPUInventory) throws -> [GPUDevice] {
        guard count >= 0 else { throw WorkerError(.badGpus, "--gpus must be 0 or more") }
        let available = inventory.devices
        guard count <= available.count else {
            let found = available.isEmpty ? "no NVIDIA GPU" : "only \(available.count) NVIDIA GPU(s): \(available.map(\.path).joined(separator: ", "))"
            let fix = switch inventory.source {
            case .cdi: "regenerate the spec with `nvidia-ctk cdi generate` if GPUs were added, or declare fewer"
            case .discovered: "install the NVIDIA driver (and `nvidia-ctk cdi generate` for a CDI spec) or declare fewer"
            }
            throw WorkerError(.gpusMissing, "--gpus \(count) asks for more GPUs than this host has: \(inventory.sourceDescription) found \(found); \(fix)")
        }
        return Array(available.prefix(count))
    }

    /// Parses `k=v,k2=v2` labels.
    public static func labels(_ text: String) throws -> [String: String] {
        var labels: [String: String] = [:]
        for pair in text.split(separator: ",") where !pair.trimmingCharacters(in: .whitespaces).isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty else {
                throw WorkerError(.badLabels, "label '\(pair)' is not KEY=VALUE; write e.g. --labels gpu=h100,region=eu")
            }
            guard labels[parts[0]] == nil else { throw WorkerError(.badLabels, "label '\(parts[0])' is given twice") }
            labels[parts[0]] = parts[1]
        }
        return labels
    }

    func validate() throws {
        guard capacity.cpuMillicores >= 10, capacity.memoryBytes >= 4 * Units.mib else {
            throw WorkerError(.badCapacity, "declare at least 10m CPU and 4MiB of memory (--cpus, --memory)")
        }
        guard capacity.gpus == Int64(gpuDevices.count) else {
            throw WorkerError(.badCapacity, "the worker declares \(capacity.gpus) GPUs but has \(gpuDevices.count) devices to hand out; pass --gpus N and let the worker discover them")
        }
        guard transferAttempts >= 1, pidsLimit >= 1, outputBytesLimit >= 1 else {
            throw WorkerError(.badConfiguration, "transfer attempts, the pids limit and the output limit must be positive")
        }
        try validateOutputBounds()
    }

    /// Output bounds whose worst result the chain would refuse are refused here, before any run: a refused result would
    /// make this worker miss its deadline for what a program did.
    func validateOutputBounds() throws {
        guard (1...Limits.maxOutputs).contains(maxOutputFiles), (1...Limits.maxPathLength).contains(maxOutputPathBytes) else {
            throw WorkerError(.badConfiguration, "--max-outputs must be 1 to \(Limits.maxOutputs) and --max-output-path 1 to \(Limits.maxPathLength) bytes (got \(maxOutputFiles) and \(maxOutputPathBytes))")
        }
        let worst = ResultSize.worstCase(maxFiles: maxOutputFiles, maxPathBytes: maxOutputPathBytes)
        guard worst <= ResultSize.limit else {
            throw WorkerError(.badConfiguration, "--max-outputs \(maxOutputFiles) with --max-output-path \(maxOutputPathBytes) allows results of \(worst) bytes, past the chain's limit of \(ResultSize.limit); lower one of them (the defaults are \(RunLimits.defaultMaxOutputFiles) and \(RunLimits.defaultMaxOutputPathBytes))")
        }
    }
}

/// The files under a worker's data directory.
struct WorkerPaths: Sendable {
    let root: URL
    var journal: URL { root.appendingPathComponent("journal") }
    var cursor: URL { root.appendingPathComponent("events.cursor") }
    var identity: URL { root.appendingPathComponent("worker.json") }
    var images: URL { root.appendingPathComponent("images") }
    var downloads: URL { root.appendingPathComponent("downloads") }
    var runs: URL { root.appendingPathComponent("runs") }
    var runcState: URL { root.appendingPathComponent("runc") }
    var lock: URL { root.appendingPathComponent("LOCK") }
}
