import Foundation
import ProvaTesting

#if FUZZING
/// libFuzzer's entry point: `swift build --product prova-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING`
/// (see `scripts/fuzz.sh`). Each input runs through `FuzzHarness`; a trap is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#else
/// Without libFuzzer: `prova-fuzz --write-corpus DIR` writes the seed corpus; `prova-fuzz FILE…` runs inputs (a crash
/// the fuzzer found, to reproduce it under a debugger).
@main
struct FuzzInputs {
    static func main() throws {
        var arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "--write-corpus", let directory = arguments.dropFirst().first {
            let url = URL(fileURLWithPath: directory)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            for (name, bytes) in FuzzHarness.seedCorpus() {
                try Data(bytes).write(to: url.appendingPathComponent("\(name).json"))
            }
            print("wrote \(FuzzHarness.seedCorpus().count) seed inputs to \(directory)")
            return
        }
        guard !arguments.isEmpty else {
            print("usage: prova-fuzz --write-corpus DIR | prova-fuzz FILE…  (build with scripts/fuzz.sh to fuzz)")
            return
        }
        while let path = arguments.popFirst() {
            FuzzHarness.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("ran \(path): no invariant broken")
        }
    }
}
#endif
