public import Foundation
import ProvaClient
public import ProvaCore

/// What `prova worker status` shows: the chain's view of the worker (status, stake, strikes, earnings, reservations),
/// the jobs its journal holds in flight, and the contents of its caches.
public struct WorkerStatusReport: Codable, Sendable {
    public var address: Address
    public var node: String
    /// Nil when the node could not be reached or the worker is not registered (`chainError` says which).
    public var worker: Worker?
    public var balance: MicroCredits?
    public var chainError: String?
    public var inFlight: [JobRecord]
    /// Digests of the imported images.
    public var images: [String]
    public var downloadCacheBytes: ByteCount

    /// Reads the data directory and asks the node. `address` and `node` default to those the worker last ran with.
    public static func gather(dataDirectory: URL, address: Address? = nil, node: String? = nil) async throws -> WorkerStatusReport {
        let identity = WorkerIdentity.read(from: dataDirectory)
        guard let address = address ?? identity?.address else {
            throw WorkerError(.unknownWorker, "\(dataDirectory.path) holds no worker; pass --data-dir of a worker that ran, or --key")
        }
        let node = node ?? identity?.node ?? ProvaClient.defaultNode
        let paths = WorkerPaths(root: dataDirectory)
        var report = WorkerStatusReport(address: address, node: node, worker: nil, balance: nil, chainError: nil,
                                        inFlight: await Journal(dataDirectory: dataDirectory).all(),
                                        images: importedImages(paths.images),
                                        downloadCacheBytes: BlobFetcher.cacheBytes(paths.downloads))
        do {
            let view = try await ProvaClient(node: node).account(address)
            report.worker = view.worker
            report.balance = view.account.balance
            if view.worker == nil { report.chainError = "\(address) is not a registered worker" }
        } catch {
            report.chainError = WorkerError.describe(error)
        }
        return report
    }

    /// Reads the image cache's directory without opening the store (opening it would clean up a running worker's imports).
    static func importedImages(_ root: URL) -> [String] {
        let images = root.appendingPathComponent("images")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: images.path)) ?? []
        return names.filter { SHA256Hex.isDigest($0) && FileManager.default.fileExists(atPath: images.appendingPathComponent($0).appendingPathComponent("record.json").path) }.sorted()
    }
}
