import ProvaCore
import ProvaTesting
import Testing
@testable import ProvaClient

@Suite(.tags(.unit))
struct HumanUnitsTests {
    @Test func resourcesParseHumanUnits() throws {
        #expect(try HumanUnits.resources(cpus: "32", memory: "190GiB", gpus: "1")
                == Resources(cpuMillicores: 32_000, memoryBytes: 190 * Units.gib, gpus: 1))
        #expect(try HumanUnits.resources(cpus: "500m", memory: "512MiB") == Resources(cpuMillicores: 500, memoryBytes: 512 * Units.mib))
        #expect(try HumanUnits.duration("5m") == 300)
    }

    @Test(arguments: [("cpus", "lots"), ("cpus", "0"), ("memory", "2 gigs"), ("memory", "-1GiB"), ("gpus", "1.5"), ("gpus", "-1")])
    func badResourceOptionsNameTheOption(_ option: String, _ value: String) {
        let error = #expect(throws: ClientError.self) {
            switch option {
            case "cpus": _ = try HumanUnits.resources(cpus: value, memory: "1GiB")
            case "memory": _ = try HumanUnits.resources(cpus: "1", memory: value)
            default: _ = try HumanUnits.resources(cpus: "1", memory: "1GiB", gpus: value)
            }
        }
        #expect(error?.code == .badOption)
        #expect(error?.message.hasPrefix("--\(option): ") == true)
    }

    @Test func prefixNamesVerifierOptions() {
        let error = #expect(throws: ClientError.self) { try HumanUnits.resources(cpus: "x", memory: "1GiB", prefix: "--verifier-") }
        #expect(error?.message.hasPrefix("--verifier-cpus: ") == true)
        let time = #expect(throws: ClientError.self) { try HumanUnits.duration("soon", option: "--verifier-time") }
        #expect(time?.message.hasPrefix("--verifier-time: ") == true)
    }

    @Test(arguments: [("1", 1_000_000), ("2.5", 2_500_000), ("0.000001", 1), ("0.034998", 34_998), ("1.25cr", 1_250_000),
                      ("34998µcr", 34_998), ("34998ucr", 34_998), (" 3 ", 3_000_000)] as [(String, Int64)])
    func creditsParse(_ text: String, _ micro: Int64) throws {
        #expect(try HumanUnits.credits(text) == micro)
    }

    @Test(arguments: ["", "0", "0.0", "-1", "1.0000001", "1.2.3", "abc", ".5", "1e6", "0ucr", "1.5ucr", "99999999999999"])
    func badCreditsAreRefused(_ text: String) {
        let error = #expect(throws: ClientError.self) { try HumanUnits.credits(text, option: "--max-fee") }
        #expect(error?.message.hasPrefix("--max-fee: ") == true)
    }

    @Test func creditsFormatWithSixDecimalsAndMicroCredits() {
        #expect(HumanUnits.formatCredits(34_998) == "0.034998 cr (34998 µcr)")
        #expect(HumanUnits.formatCredits(2_500_000) == "2.500000 cr (2500000 µcr)")
    }

    @Test func commandLinesSplitOnWhitespaceOrParseJSON() throws {
        #expect(try ProgramCommandLine.parse("/usr/bin/prove  --fast\t-v") == ["/usr/bin/prove", "--fast", "-v"])
        #expect(try ProgramCommandLine.parse(#"["/bin/sh", "-c", "prove > /output/proof"]"#) == ["/bin/sh", "-c", "prove > /output/proof"])
        #expect(throws: ClientError.self) { try ProgramCommandLine.parse("   ") }
        #expect(throws: ClientError.self) { try ProgramCommandLine.parse("[not json") }
        #expect(throws: ClientError.self) { try ProgramCommandLine.parse("[]") }
    }
}
