import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

/// The bounds and the rules of `OutputCollector`, on plain directories (no container needed).
@Suite("OutputCollector: bounds, names, links", .tags(.unit))
struct OutputCollectorTests {
    private func tree(_ files: [String: String]) throws -> URL {
        let root = try Fixtures.temporaryDirectory("outputs")
        for (path, text) in files {
            let file = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
        }
        return root
    }

    private func limits(files: Int = 8, path: Int = 64) -> RunLimits {
        RunLimits(cpuMillicores: 1000, memoryBytes: 64 << 20, pids: 8, timeLimitSeconds: 1, outputBytesLimit: 1 << 20,
                  tmpBytesLimit: 1 << 20, logBytesLimit: 1024, maxOutputFiles: files, maxOutputPathBytes: path)
    }

    @Test("files within the bounds are copied and hashed, sorted by path")
    func withinBounds() throws {
        let source = try tree(["b.txt": "b", "dir/a.txt": "a"])
        let destination = try Fixtures.temporaryDirectory("collected")
        let collection = try OutputCollector.collect(from: source.path, to: destination, limits: limits())
        #expect(collection.violation == nil)
        #expect(collection.files.map(\.path) == ["b.txt", "dir/a.txt"])
        #expect(collection.files[1].sha256 == SHA256Hex.of(Data("a".utf8)))
        #expect(try String(contentsOf: destination.appendingPathComponent("dir/a.txt"), encoding: .utf8) == "a")
    }

    @Test("more files than the bound: nothing is copied and the reason counts them all")
    func tooManyFiles() throws {
        var files: [String: String] = [:]
        for index in 0..<30 { files["d\(index % 3)/f\(index)"] = "\(index)" }
        let destination = try Fixtures.temporaryDirectory("collected")
        let collection = try OutputCollector.collect(from: try tree(files).path, to: destination, limits: limits(files: 10))
        #expect(collection.violation == .tooManyFiles(count: 30, limit: 10))
        #expect(collection.violation?.description == "30 outputs; the limit is 10")
        #expect(collection.files.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: destination.path).isEmpty)
    }

    @Test("a path past the bound, a control character, a backslash: refused with the reason")
    func badNames() throws {
        let long = String(repeating: "n", count: 70)
        let tooLong = try OutputCollector.collect(from: try tree([long: "x"]).path, to: try Fixtures.temporaryDirectory("c"), limits: limits())
        #expect(tooLong.violation == .pathTooLong(path: long, bytes: 70, limit: 64))
        for name in ["new\nline", "back\\slash", "quo\"te"] {
            let collection = try OutputCollector.collect(from: try tree([name: "x"]).path, to: try Fixtures.temporaryDirectory("c"), limits: limits())
            guard case .badName(let path, _)? = collection.violation else {
                Issue.record("\(name.debugDescription) was accepted")
                continue
            }
            #expect(path == name)
        }
    }

    @Test("a name that is not UTF-8 is refused")
    func notUTF8() throws {
        let source = try Fixtures.temporaryDirectory("outputs")
        let name: [CChar] = [0x61, CChar(bitPattern: 0xff), 0x62, 0]
        let directory = open(source.path, O_RDONLY | O_DIRECTORY)
        defer { close(directory) }
        let fd = openat(directory, name, O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        close(fd)
        let collection = try OutputCollector.collect(from: source.path, to: try Fixtures.temporaryDirectory("c"), limits: limits())
        guard case .badName(_, let reason)? = collection.violation else {
            Issue.record("a non-UTF-8 name was accepted: \(String(describing: collection.violation))")
            return
        }
        #expect(reason.contains("UTF-8"))
    }

    @Test("symlinks (to files and to directories) and FIFOs are not followed or opened, and are not outputs")
    func linksAndSpecialFiles() throws {
        let secret = try tree(["secret.txt": "host secret"])
        let source = try tree(["real.txt": "r"])
        try FileManager.default.createSymbolicLink(atPath: source.path + "/link.txt", withDestinationPath: secret.path + "/secret.txt")
        try FileManager.default.createSymbolicLink(atPath: source.path + "/linkdir", withDestinationPath: secret.path)
        #expect(mkfifo(source.path + "/fifo", 0o644) == 0)
        let collection = try OutputCollector.collect(from: source.path, to: try Fixtures.temporaryDirectory("c"), limits: limits())
        #expect(collection.violation == nil)
        #expect(collection.files.map(\.path) == ["real.txt"])
    }
}
