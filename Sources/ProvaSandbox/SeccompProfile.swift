public import Foundation
import ProvaCore

/// A seccomp filter in the OCI runtime-spec shape (`linux.seccomp` of config.json).
public struct SeccompProfile: Sendable, Codable, Equatable {
    public struct Argument: Sendable, Codable, Equatable {
        public var index: UInt32
        public var value: UInt64
        public var valueTwo: UInt64?
        public var op: String
    }

    public struct Rule: Sendable, Codable, Equatable {
        public var names: [String]
        public var action: String
        public var errnoRet: UInt32?
        public var args: [Argument]?
    }

    public var defaultAction: String
    public var defaultErrnoRet: UInt32?
    public var architectures: [String]
    public var syscalls: [Rule]

    public static let containersDefaultPath = "/usr/share/containers/seccomp.json"

    /// Debian's containers-common profile, converted for a process with no capabilities and `hardened()`.
    public static func containersDefault() throws -> SeccompProfile {
        let url = URL(fileURLWithPath: containersDefaultPath)
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw SandboxError(
                code: .seccompProfileMissing,
                message: "\(containersDefaultPath) is missing; install it with `apt-get install golang-github-containers-common`")
        }
        return try fromMoby(data).hardened()
    }

    /// Converts a Docker/Moby/containers profile (`defaultAction`, `archMap`, `syscalls` with
    /// `includes`/`excludes`) into OCI form for this machine's architecture and kernel.
    ///
    /// Rules conditioned on capabilities are resolved for a process holding none: a rule that
    /// `includes` a capability is dropped, a rule that `excludes` capabilities is kept.
    public static func fromMoby(
        _ data: Data,
        architecture: String = SeccompProfile.nativeArchitecture,
        kernelRelease: String = SeccompProfile.runningKernelRelease()
    ) throws -> SeccompProfile {
        let moby: MobyProfile
        do {
            moby = try JSONDecoder().decode(MobyProfile.self, from: data)
        } catch {
            throw SandboxError(
                code: .seccompProfileInvalid,
                message: "the seccomp profile is not a Docker/Moby-format JSON document; use /usr/share/containers/seccomp.json",
                underlying: error)
        }
        let scmpArchitecture = architectureNames[architecture] ?? ""
        var architectures: [String] = []
        if let entry = moby.archMap?.first(where: { $0.architecture == scmpArchitecture }) {
            architectures = [entry.architecture] + (entry.subArchitectures ?? [])
        } else if let listed = moby.architectures {
            architectures = listed
        }
        let kernel = versionNumbers(kernelRelease)
        var rules: [Rule] = []
        for syscall in moby.syscalls ?? [] {
            let includes = syscall.includes
            let excludes = syscall.excludes
            if let caps = includes?.caps, !caps.isEmpty { continue }
            if let arches = includes?.arches, !arches.isEmpty, !arches.contains(architecture) { continue }
            if let arches = excludes?.arches, arches.contains(architecture) { continue }
            if let minimum = includes?.minKernel, kernel.lexicographicallyPrecedes(versionNumbers(minimum)) {
                continue
            }
            var names = syscall.names ?? []
            if let name = syscall.name { names.append(name) }
            guard !names.isEmpty else { continue }
            let args = syscall.args?.map {
                Argument(index: $0.index, value: $0.value, valueTwo: $0.valueTwo, op: $0.op)
            }
            rules.append(Rule(
                names: names, action: syscall.action, errnoRet: syscall.errnoRet,
                args: (args?.isEmpty ?? true) ? nil : args))
        }
        return SeccompProfile(
            defaultAction: moby.defaultAction, defaultErrnoRet: moby.defaultErrnoRet,
            architectures: architectures, syscalls: rules)
    }

    /// Go's name for this machine's architecture, as used by Moby profiles ("amd64", "arm64").
    public static var nativeArchitecture: String {
        #if arch(x86_64)
            return "amd64"
        #elseif arch(arm64)
            return "arm64"
        #else
            return "unknown"
        #endif
    }

    public static func runningKernelRelease() -> String {
        var names = utsname()
        guard uname(&names) == 0 else { return "0" }
        return withUnsafeBytes(of: &names.release) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
    }

    /// Go architecture name → libseccomp name of the native architecture.
    private static let architectureNames: [String: String] = [
        "amd64": "SCMP_ARCH_X86_64",
        "arm64": "SCMP_ARCH_AARCH64",
    ]

    /// "6.18.44-fc" → [6, 18, 44]
    static func versionNumbers(_ text: String) -> [Int] {
        text.split(whereSeparator: { !$0.isNumber && $0 != "." }).first.map {
            $0.split(separator: ".").compactMap { Int($0) }
        } ?? []
    }
}

/// The subset of the Moby profile format that the conversion reads.
private struct MobyProfile: Decodable {
    struct ArchMapEntry: Decodable {
        var architecture: String
        var subArchitectures: [String]?
    }

    struct Condition: Decodable {
        var caps: [String]?
        var arches: [String]?
        var minKernel: String?
    }

    struct Argument: Decodable {
        var index: UInt32
        var value: UInt64
        var valueTwo: UInt64?
        var op: String
    }

    struct Syscall: Decodable {
        var name: String?
        var names: [String]?
        var action: String
        var errnoRet: UInt32?
        var args: [Argument]?
        var includes: Condition?
        var excludes: Condition?
    }

    var defaultAction: String
    var defaultErrnoRet: UInt32?
    var architectures: [String]?
    var archMap: [ArchMapEntry]?
    var syscalls: [Syscall]?
}
