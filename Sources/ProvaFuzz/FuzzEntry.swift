import Foundation
import ProvaTesting
#if FUZZING
import CFuzzDriver
#endif

#if FUZZING
/// libFuzzer's own objects refer to this entry point; the driver below is handed the same function.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    FuzzHarness.run(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
#endif

/// `prova-fuzz`. Built for fuzzing (`scripts/fuzz.sh`: `-sanitize=fuzzer,address -DFUZZING`) it hands its arguments to
/// libFuzzer's driver, which runs every input through `FuzzHarness`; a trap is a finding. Built normally,
/// `prova-fuzz --write-corpus DIR` writes the seed corpus and `prova-fuzz FILE…` runs inputs (a crash the fuzzer found,
/// to reproduce it under a debugger).
@main
struct FuzzInputs {
    static func main() throws {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOneInput(data, size) })
        #else
        var arguments = CommandLine.arguments.dropFirst()
        if arguments.first == "--write-corpus", let directory = arguments.dropFirst().first {
            let url = URL(fileURLWithPath: directory)
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
            let corpus = FuzzHarness.seedCorpus()
            for (name, bytes) in corpus { try Data(bytes).write(to: url.appendingPathComponent("\(name).json")) }
            print("wrote \(corpus.count) seed inputs to \(directory)")
            return
        }
        guard !arguments.isEmpty else {
            print("usage: prova-fuzz --write-corpus DIR | prova-fuzz FILE…  (scripts/fuzz.sh builds and runs the fuzzer)")
            return
        }
        while let path = arguments.popFirst() {
            FuzzHarness.run(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
            print("ran \(path): no invariant broken")
        }
        #endif
    }
}
