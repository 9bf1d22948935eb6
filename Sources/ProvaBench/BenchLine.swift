import Foundation
/// One benchmark result, printed as `BENCH <name> <value> <unit>`.
struct BenchLine: Sendable {
    let name: String
    let value: Double
    let unit: String

    var printed: String {
        let formatted = value >= 100 ? String(Int(value.rounded())) : String(format: "%.3f", value)
        return "BENCH \(name) \(formatted) \(unit)"
    }
}
