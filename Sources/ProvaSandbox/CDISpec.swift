/// A Container Device Interface spec as `nvidia-ctk cdi generate` writes it (/etc/cdi/nvidia.yaml): a device kind, its
/// devices, and the edits that inject them. Decoding is strict, as CDI's own loader is: a field Prova does not know or
/// cannot apply fails the spec rather than being dropped, so a device is never injected half-way.
public struct CDISpec: Decodable, Sendable, Equatable {
    public var cdiVersion: String
    /// `vendor/class`, e.g. `nvidia.com/gpu`.
    public var kind: String
    public var devices: [Device]
    /// Edits applied once whenever any device of this spec is injected (control nodes, driver libraries, hooks).
    public var containerEdits: CDIContainerEdits?

    public struct Device: Decodable, Sendable, Equatable {
        public var name: String
        public var containerEdits: CDIContainerEdits

        public init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, known: ["name", "annotations", "containerEdits"], in: "a device")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            containerEdits = try container.decode(CDIContainerEdits.self, forKey: .containerEdits)
        }

        private enum CodingKeys: String, CodingKey { case name, containerEdits }
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: ["cdiVersion", "kind", "annotations", "devices", "containerEdits"], in: "the spec")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        cdiVersion = try container.decode(String.self, forKey: .cdiVersion)
        kind = try container.decode(String.self, forKey: .kind)
        devices = try container.decode([Device].self, forKey: .devices)
        containerEdits = try container.decodeIfPresent(CDIContainerEdits.self, forKey: .containerEdits)
    }

    private enum CodingKeys: String, CodingKey { case cdiVersion, kind, devices, containerEdits }
}

/// What injecting a device changes in the container. `additionalGids`, `intelRdt` and `netDevices` are refused by
/// `StrictKeys`: Prova does not apply them, and a device whose edits are applied in part may not work or not be isolated.
public struct CDIContainerEdits: Decodable, Sendable, Equatable {
    public var env: [String]
    public var deviceNodes: [DeviceNode]
    public var mounts: [Mount]
    public var hooks: [Hook]

    public init(env: [String] = [], deviceNodes: [DeviceNode] = [], mounts: [Mount] = [], hooks: [Hook] = []) {
        self.env = env
        self.deviceNodes = deviceNodes
        self.mounts = mounts
        self.hooks = hooks
    }

    public init(from decoder: any Decoder) throws {
        try StrictKeys.check(decoder, known: ["env", "deviceNodes", "mounts", "hooks"], in: "containerEdits")
        let container = try decoder.container(keyedBy: CodingKeys.self)
        env = try container.decodeIfPresent([String].self, forKey: .env) ?? []
        deviceNodes = try container.decodeIfPresent([DeviceNode].self, forKey: .deviceNodes) ?? []
        mounts = try container.decodeIfPresent([Mount].self, forKey: .mounts) ?? []
        hooks = try container.decodeIfPresent([Hook].self, forKey: .hooks) ?? []
    }

    private enum CodingKeys: String, CodingKey { case env, deviceNodes, mounts, hooks }

    public struct DeviceNode: Decodable, Sendable, Equatable {
        /// Where the node appears in the container.
        public var path: String
        /// The node on the host; `path` when absent.
        public var hostPath: String?
        /// `c` or `b`; with `major` and `minor`, read from the host node when absent.
        public var type: String?
        public var major: Int64?
        public var minor: Int64?
        public var fileMode: UInt32?
        /// Device-cgroup access, a subset of `rwm`; `rwm` when absent.
        public var permissions: String?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, known: ["path", "hostPath", "type", "major", "minor", "fileMode", "permissions", "uid", "gid"],
                                 in: "a deviceNode")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            path = try container.decode(String.self, forKey: .path)
            hostPath = try container.decodeIfPresent(String.self, forKey: .hostPath)
            type = try container.decodeIfPresent(String.self, forKey: .type)
            major = try container.decodeIfPresent(Int64.self, forKey: .major)
            minor = try container.decodeIfPresent(Int64.self, forKey: .minor)
            fileMode = try container.decodeIfPresent(UInt32.self, forKey: .fileMode)
            permissions = try container.decodeIfPresent(String.self, forKey: .permissions)
            uid = try container.decodeIfPresent(UInt32.self, forKey: .uid)
            gid = try container.decodeIfPresent(UInt32.self, forKey: .gid)
        }

        private enum CodingKeys: String, CodingKey { case path, hostPath, type, major, minor, fileMode, permissions, uid, gid }
    }

    public struct Mount: Codable, Sendable, Equatable, Hashable {
        public var hostPath: String
        public var containerPath: String
        public var options: [String]
        /// `bind` when absent.
        public var type: String?

        public init(hostPath: String, containerPath: String, options: [String], type: String? = nil) {
            self.hostPath = hostPath
            self.containerPath = containerPath
            self.options = options
            self.type = type
        }

        public init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, known: ["hostPath", "containerPath", "options", "type"], in: "a mount")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            hostPath = try container.decode(String.self, forKey: .hostPath)
            containerPath = try container.decode(String.self, forKey: .containerPath)
            options = try container.decodeIfPresent([String].self, forKey: .options) ?? []
            type = try container.decodeIfPresent(String.self, forKey: .type)
        }

        private enum CodingKeys: String, CodingKey { case hostPath, containerPath, options, type }
    }

    public struct Hook: Codable, Sendable, Equatable, Hashable {
        /// The OCI hook point: `prestart`, `createRuntime`, `createContainer`, `startContainer`, `poststart`, `poststop`.
        public var hookName: String
        public var path: String
        public var args: [String]
        public var env: [String]
        public var timeout: Int?

        public init(hookName: String, path: String, args: [String] = [], env: [String] = [], timeout: Int? = nil) {
            self.hookName = hookName
            self.path = path
            self.args = args
            self.env = env
            self.timeout = timeout
        }

        public init(from decoder: any Decoder) throws {
            try StrictKeys.check(decoder, known: ["hookName", "path", "args", "env", "timeout"], in: "a hook")
            let container = try decoder.container(keyedBy: CodingKeys.self)
            hookName = try container.decode(String.self, forKey: .hookName)
            path = try container.decode(String.self, forKey: .path)
            args = try container.decodeIfPresent([String].self, forKey: .args) ?? []
            env = try container.decodeIfPresent([String].self, forKey: .env) ?? []
            timeout = try container.decodeIfPresent(Int.self, forKey: .timeout)
        }

        private enum CodingKeys: String, CodingKey { case hookName, path, args, env, timeout }
    }
}

/// Refuses fields a decoder does not know, naming them and where they are.
enum StrictKeys {
    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    struct Unknown: Error, CustomStringConvertible {
        let keys: [String]
        let place: String
        let path: String
        var description: String {
            "\(place)\(path.isEmpty ? "" : " at \(path)") has field(s) Prova does not know or apply: \(keys.joined(separator: ", "))"
        }
    }

    static func check(_ decoder: any Decoder, known: Set<String>, in place: String) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        let unknown = container.allKeys.map(\.stringValue).filter { !known.contains($0) }.sorted()
        guard unknown.isEmpty else { throw Unknown(keys: unknown, place: place, path: describe(decoder.codingPath)) }
    }

    /// `devices[1].containerEdits.deviceNodes[0]` for a coding path.
    static func describe(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue { text += "[\(index)]" } else { text += (text.isEmpty ? "" : ".") + key.stringValue }
        }
        return text
    }
}
