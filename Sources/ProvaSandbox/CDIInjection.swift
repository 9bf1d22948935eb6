/// What injecting one GPU of a CDI spec takes, with every device node resolved to its host numbers at start-up, so that
/// building a run's config reads no file and cannot fail.
public struct CDIInjection: Sendable, Codable, Hashable {
    /// The spec file it came from.
    public var specPath: String
    /// The fully-qualified CDI name, e.g. `nvidia.com/gpu=0`.
    public var name: String
    /// The device's own edits.
    public var device: Edits
    /// The spec's container-wide edits, applied once however many of its devices a run gets.
    public var shared: Edits

    public init(specPath: String, name: String, device: Edits, shared: Edits) {
        self.specPath = specPath
        self.name = name
        self.device = device
        self.shared = shared
    }

    public struct Edits: Sendable, Codable, Hashable {
        public var env: [String]
        public var deviceNodes: [Node]
        public var mounts: [CDIContainerEdits.Mount]
        public var hooks: [CDIContainerEdits.Hook]

        public init(env: [String] = [], deviceNodes: [Node] = [], mounts: [CDIContainerEdits.Mount] = [], hooks: [CDIContainerEdits.Hook] = []) {
            self.env = env
            self.deviceNodes = deviceNodes
            self.mounts = mounts
            self.hooks = hooks
        }
    }

    /// A device node with its type and numbers known.
    public struct Node: Sendable, Codable, Hashable {
        /// In the container.
        public var path: String
        public var hostPath: String
        public var type: String
        public var major: Int64
        public var minor: Int64
        /// Device-cgroup access (`rwm` unless the spec narrows it).
        public var permissions: String
        public var fileMode: UInt32?
        public var uid: UInt32?
        public var gid: UInt32?

        public init(path: String, hostPath: String, type: String, major: Int64, minor: Int64, permissions: String = "rwm",
                    fileMode: UInt32? = nil, uid: UInt32? = nil, gid: UInt32? = nil) {
            self.path = path
            self.hostPath = hostPath
            self.type = type
            self.major = major
            self.minor = minor
            self.permissions = permissions
            self.fileMode = fileMode
            self.uid = uid
            self.gid = gid
        }
    }
}
