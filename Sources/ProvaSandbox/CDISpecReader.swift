import Foundation
import ProvaCore
import Yams

/// Reads and checks CDI specs. YAML is what `nvidia-ctk` writes; a JSON spec is valid YAML too.
public enum CDISpecReader {
    /// Where `nvidia-ctk cdi generate` puts the NVIDIA spec, most authoritative first: CDI gives /var/run/cdi (generated
    /// at boot by newer toolkits) precedence over /etc/cdi.
    public static let defaultPaths = ["/var/run/cdi/nvidia.yaml", "/var/run/cdi/nvidia.json", "/etc/cdi/nvidia.yaml", "/etc/cdi/nvidia.json"]

    /// Spec versions whose fields Prova applies. 0.6.0 is the oldest `nvidia-ctk` output still in use.
    public static let supportedVersions = ["0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"]

    static let regenerate = "regenerate it with `nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`"

    public static func read(path: String) throws -> CDISpec {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SandboxError(code: .invalidCDISpec, message: "the CDI spec \(path) cannot be read; check its permissions or \(regenerate)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SandboxError(code: .invalidCDISpec, message: "the CDI spec \(path) is not UTF-8 text; \(regenerate)")
        }
        return try parse(text, source: path)
    }

    /// Decodes and checks one spec; `source` names it in errors.
    public static func parse(_ text: String, source: String) throws -> CDISpec {
        let spec: CDISpec
        do {
            spec = try YAMLDecoder().decode(CDISpec.self, from: text)
        } catch {
            throw SandboxError(code: .invalidCDISpec, message: "the CDI spec \(source) is malformed: \(explain(error)); fix it or \(regenerate)",
                               underlying: error)
        }
        try checkVersion(spec.cdiVersion, source: source)
        try CDISpecCheck.check(spec, source: source)
        return spec
    }

    static func checkVersion(_ version: String, source: String) throws {
        guard supportedVersions.contains(version) else {
            let parts = version.split(separator: ".").compactMap { Int($0) }
            let older = parts.count == 3 && (parts[0], parts[1]) < (0, 6)
            let why = older ? "is older than 0.6.0, the oldest Prova reads" : "is not one Prova knows (\(supportedVersions.joined(separator: ", ")))"
            throw SandboxError(code: .unsupportedCDIVersion,
                               message: "the CDI spec \(source) has cdiVersion \"\(version)\", which \(why); \(regenerate) with a current NVIDIA Container Toolkit")
        }
    }

    /// A decoding error in words: which field, where.
    static func explain(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            let path = StrictKeys.describe(context.codingPath)
            return "the field `\(key.stringValue)` is missing" + (path.isEmpty ? "" : " in \(path)")
        case DecodingError.typeMismatch(let type, let context), DecodingError.valueNotFound(let type, let context):
            return "\(StrictKeys.describe(context.codingPath)) should be \(typeName(type))"
        case DecodingError.dataCorrupted(let context):
            let path = StrictKeys.describe(context.codingPath)
            return (path.isEmpty ? "" : "\(path): ") + context.debugDescription + (context.underlyingError.map { " (\($0))" } ?? "")
        default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type is any BinaryInteger.Type { return "an integer" }
        let name = String(describing: type)
        return name.hasPrefix("Array") ? "a list" : "a \(name)"
    }
}
