public import Foundation
public import ProvaCore

/// Where a request's input comes from: a local file (uploaded as a blob, mounted at `/input/<file name>`), or a
/// remote file the workers fetch themselves, written `URL#sha256:size` — the digest and size are given because the
/// client never downloads it (e.g. `https://host/data/witness.bin#9f86…0a08:1048576`; size in bytes or human units).
public enum InputSource: Sendable, Hashable {
    case file(URL)
    case remote(InputRef)

    public static func parse(_ text: String) throws -> InputSource {
        guard text.contains("://") else { return .file(URL(fileURLWithPath: text)) }
        let usage = "write a remote input as URL#sha256:size, e.g. https://host/witness.bin#<64 hex>:1048576"
        guard let hash = text.lastIndex(of: "#") else {
            throw ClientError(.badInput, "input '\(text)' has no #sha256:size; \(usage)")
        }
        let url = String(text[..<hash])
        let fragment = text[text.index(after: hash)...].split(separator: ":", maxSplits: 1).map(String.init)
        guard let components = URLComponents(string: url), let scheme = components.scheme?.lowercased(), ["http", "https"].contains(scheme),
              components.host?.isEmpty == false else {
            throw ClientError(.badInput, "input '\(url)' is not an http(s) URL; \(usage)")
        }
        guard fragment.count == 2, SHA256Hex.isDigest(fragment[0].lowercased()) else {
            throw ClientError(.badInput, "input '\(text)' needs a 64-hex-character SHA-256 and a size after '#'; \(usage)")
        }
        let size: ByteCount
        do { size = try Units.parseBytes(fragment[1]) } catch {
            throw ClientError(.badInput, "input '\(text)': size '\(fragment[1])' is not understood; \(usage)")
        }
        let name = components.path.split(separator: "/").last.map(String.init) ?? ""
        guard !name.isEmpty else {
            throw ClientError(.badInput, "input URL '\(url)' has no file name to mount it under; end the URL with a file name")
        }
        return .remote(InputRef(path: name, digest: fragment[0].lowercased(), size: size, url: url))
    }

    /// The name the program sees under `/input`.
    public var name: String {
        switch self {
        case .file(let url): url.lastPathComponent
        case .remote(let ref): ref.path
        }
    }
}

extension ProvaClient {
    /// Turns sources into input references, uploading local files (signed by `uploader`). Refuses two inputs with the same name.
    public func prepareInputs(_ sources: [InputSource], uploader: AccountKey) async throws -> [InputRef] {
        var seen = Set<String>()
        for source in sources where !seen.insert(source.name).inserted {
            throw ClientError(.badInput, "two inputs are named '\(source.name)'; every input is mounted at /input/<name>, so rename one")
        }
        var refs: [InputRef] = []
        for source in sources {
            switch source {
            case .remote(let ref):
                refs.append(ref)
            case .file(let url):
                let receipt = try await putBlob(file: url, signedBy: uploader)
                refs.append(InputRef(path: url.lastPathComponent, digest: receipt.digest, size: receipt.size))
            }
        }
        return refs
    }

    /// An image given as a digest already on the node, or as a file to upload (signed by `uploader`). Returns the digest.
    public func resolveImage(_ fileOrDigest: String, option: String, uploader: AccountKey) async throws -> String {
        let lowered = fileOrDigest.lowercased()
        if SHA256Hex.isDigest(lowered), !FileManager.default.fileExists(atPath: fileOrDigest) {
            guard try await blobExists(digest: lowered) != nil else {
                throw ClientError(.unknownImage, "\(option): image \(lowered) is not on the node; push it with `prova image push FILE.tar` or pass the file")
            }
            return lowered
        }
        guard FileManager.default.fileExists(atPath: fileOrDigest) else {
            throw ClientError(.fileUnreadable, "\(option): '\(fileOrDigest)' is neither a file nor a 64-hex-character image digest")
        }
        return try await putBlob(file: URL(fileURLWithPath: fileOrDigest), signedBy: uploader).digest
    }
}
