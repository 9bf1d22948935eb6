/// The subset of the OCI runtime spec (config.json) that Prova writes. Nil fields are omitted.
struct OCISpec: Codable, Sendable, Equatable {
    var ociVersion = "1.0.2"
    var process: Process
    var root: Root
    var hostname: String
    var mounts: [Mount]
    /// Only CDI specs add hooks (e.g. `nvidia-cdi-hook update-ldcache` at createContainer).
    var hooks: Hooks?
    var linux: Linux

    struct Process: Codable, Sendable, Equatable {
        var terminal = false
        var user: User
        var args: [String]
        var env: [String]
        var cwd: String
        var capabilities: Capabilities
        var rlimits: [Rlimit]
        var noNewPrivileges: Bool
    }

    struct User: Codable, Sendable, Equatable {
        var uid: UInt32
        var gid: UInt32
    }

    struct Capabilities: Codable, Sendable, Equatable {
        var bounding: [String]
        var effective: [String]
        var inheritable: [String]
        var permitted: [String]
        var ambient: [String]

        static let none = Capabilities(bounding: [], effective: [], inheritable: [], permitted: [], ambient: [])
    }

    struct Rlimit: Codable, Sendable, Equatable {
        var type: String
        var hard: UInt64
        var soft: UInt64
    }

    struct Root: Codable, Sendable, Equatable {
        var path: String
        var readonly: Bool
    }

    struct Mount: Codable, Sendable, Equatable {
        var destination: String
        var type: String
        var source: String
        var options: [String]
    }

    /// Programs runc runs at points of the container's life; each list is omitted when nil.
    struct Hooks: Codable, Sendable, Equatable {
        var prestart: [Hook]?
        var createRuntime: [Hook]?
        var createContainer: [Hook]?
        var startContainer: [Hook]?
        var poststart: [Hook]?
        var poststop: [Hook]?
    }

    struct Hook: Codable, Sendable, Equatable {
        var path: String
        var args: [String]?
        var env: [String]?
        var timeout: Int?
    }

    struct Linux: Codable, Sendable, Equatable {
        var namespaces: [Namespace]
        var resources: Resources
        var cgroupsPath: String
        var uidMappings: [IDMapping]?
        var gidMappings: [IDMapping]?
        var devices: [Device]?
        var seccomp: SeccompProfile?
        var maskedPaths: [String]
        var readonlyPaths: [String]
    }

    struct IDMapping: Codable, Sendable, Equatable {
        var containerID: UInt32
        var hostID: UInt32
        var size: UInt32
    }

    struct Namespace: Codable, Sendable, Equatable {
        var type: String
    }

    struct Resources: Codable, Sendable, Equatable {
        var memory: Memory
        var cpu: CPU
        var pids: Pids
        var devices: [DeviceRule]
    }

    struct Memory: Codable, Sendable, Equatable {
        var limit: Int64
        /// Memory plus swap (runc's v1 semantics); equal to `limit` means no swap.
        var swap: Int64
    }

    struct CPU: Codable, Sendable, Equatable {
        var quota: Int64
        var period: UInt64
    }

    struct Pids: Codable, Sendable, Equatable {
        var limit: Int64
    }

    struct DeviceRule: Codable, Sendable, Equatable {
        var allow: Bool
        var type: String?
        var major: Int64?
        var minor: Int64?
        var access: String
    }

    struct Device: Codable, Sendable, Equatable {
        var path: String
        var type: String
        var major: Int64
        var minor: Int64
        var fileMode: UInt32?
        var uid: UInt32?
        var gid: UInt32?
    }
}
