import Foundation
import ProvaCore
import ProvaSandbox

/// Program images by digest: fetched once from the blob stores, imported once into a read-only root filesystem
/// (`ImageStore`, which re-hashes every layer), and the archive then dropped to save disk.
actor ImageCache {
    let store: ImageStore
    let fetcher: BlobFetcher
    let staging: URL
    private let loads = SharedLoads<URL>()

    init(store: ImageStore, fetcher: BlobFetcher, staging: URL) {
        self.store = store; self.fetcher = fetcher; self.staging = staging
    }

    /// Whether the image is imported here or some node stores its archive.
    func isAvailable(_ digest: String) async -> Bool {
        if await store.importedDigests().contains(digest) { return true }
        return await fetcher.availableOnSomeNode(digest)
    }

    /// The root filesystem of image `digest`, loaded once however many jobs ask for it at the same time.
    func rootfs(_ digest: String) async throws -> URL {
        try await loads.value(for: digest) { try await self.load(digest) }
    }

    /// Imports image `digest` if it is not here yet, so a later job does not wait for it. Used for the other image of
    /// a program this worker just worked for: its provers are likely to be drawn to verify it, and its verifiers to
    /// prove it. The daemon's prefetcher calls it in a task of its own; failures are left for that job to report.
    func prefetch(_ digest: String) async {
        guard !(await loads.isRunning(digest)), !(await store.importedDigests().contains(digest)) else { return }
        _ = try? await rootfs(digest)
    }

    private func load(_ digest: String) async throws -> URL {
        let archive = staging.appendingPathComponent("\(digest).tar")
        if await store.importedDigests().contains(digest) {
            // Already imported: the store answers from its cache without reading the archive.
            if let rootfs = try? await store.rootfs(forArchive: archive, expectedDigest: digest) { return rootfs }
        }
        do {
            let downloaded = try await fetcher.cachedFile(digest: digest, size: nil, url: nil)
            let rootfs: URL
            do { rootfs = try await store.rootfs(forArchive: downloaded, expectedDigest: digest) } catch {
                await fetcher.discard(digest)
                throw error
            }
            // Once imported the archive is dead weight: the store keeps the root filesystem.
            await fetcher.discard(digest)
            return rootfs
        } catch {
            if isCancellation(error) { throw CancellationError() }
            throw WorkerError.wrap(error, .imageUnavailable, "image \(digest) could not be fetched or imported")
        }
    }
}
