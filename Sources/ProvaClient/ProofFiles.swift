public import Foundation
public import ProvaCore

/// The files of a proof made elsewhere, for a verify-only request: one file (mounted at `/proof/<name>`) or every regular
/// file under a directory (mounted at `/proof/<path relative to it>`), as `prova proof get --out DIR` writes them.
public enum ProofFiles {
    /// `(path under /proof, local file)`, sorted by path. Refuses an empty directory, links that leave it, and more files
    /// than a request may name.
    public static func collect(_ location: URL) throws -> [(path: String, file: URL)] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: location.path, isDirectory: &isDirectory) else {
            throw ClientError(.fileUnreadable, "--proof \(location.path) does not exist; give the proof file, or the directory `prova proof get --out` wrote")
        }
        guard isDirectory.boolValue else { return [(location.lastPathComponent, location)] }
        let root = location.resolvingSymlinksInPath().standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey, .isSymbolicLinkKey]) else {
            throw ClientError(.fileUnreadable, "cannot list --proof directory \(location.path); check its permissions")
        }
        var files: [(path: String, file: URL)] = []
        for case let url as URL in walker {
            let values = try? url.resourceValues(forKeys: [.isRegularFileKey, .isSymbolicLinkKey])
            if values?.isSymbolicLink == true {
                throw ClientError(.badInput, "--proof \(url.path) is a symbolic link; copy the file itself into the proof directory")
            }
            guard values?.isRegularFile == true else { continue }
            let full = url.standardizedFileURL.path
            guard full.hasPrefix(root.path + "/") else { continue }
            let relative = String(full.dropFirst(root.path.count + 1))
            files.append((relative, url))
            if files.count > Limits.maxInputs {
                throw ClientError(.badInput, "--proof \(location.path) holds more than \(Limits.maxInputs) files; a request may name at most \(Limits.maxInputs)")
            }
        }
        guard !files.isEmpty else {
            throw ClientError(.badInput, "--proof directory \(location.path) holds no files; give the directory `prova proof get --out` wrote")
        }
        return files.sorted { $0.path < $1.path }
    }
}

extension ProvaClient {
    /// Uploads a proof's files (signed by `uploader`) and returns them as the `proof` of a `RequestVerification`.
    public func prepareProof(_ location: URL, uploader: AccountKey) async throws -> [InputRef] {
        var refs: [InputRef] = []
        for (path, file) in try ProofFiles.collect(location) {
            let receipt = try await putBlob(file: file, signedBy: uploader)
            refs.append(InputRef(path: path, digest: receipt.digest, size: receipt.size))
        }
        return refs
    }
}
