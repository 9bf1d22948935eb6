import ProvaCore

/// Turns a checked CDI spec into the GPUs a worker hands out.
public enum CDIGPUs {
    /// The spec's whole GPUs in spec order, each with its edits and the spec's container-wide ones resolved.
    ///
    /// `all` is skipped (it is every GPU at once), and so is a device that shares a host node with one taken before it:
    /// `nvidia-ctk` can list one GPU under its index and its UUID, and MIG slices share their parent's node; handing out
    /// both would give two tasks one GPU.
    /// - Parameter lookup: the host's device numbers of a path (`GPUDiscovery.deviceNumbers`; a table in tests).
    public static func devices(of spec: CDISpec, source: String,
                               lookup: (String) -> DeviceNumbers? = GPUDiscovery.deviceNumbers) throws -> [GPUDevice] {
        let shared = try resolve(spec.containerEdits ?? CDIContainerEdits(), of: "containerEdits", spec: spec, source: source, lookup: lookup)
        var taken = Set<String>()
        var gpus: [GPUDevice] = []
        for device in spec.devices where device.name != "all" {
            let edits = try resolve(device.containerEdits, of: "device \"\(device.name)\"", spec: spec, source: source, lookup: lookup)
            guard let first = edits.deviceNodes.first else {
                throw SandboxError(code: .invalidCDISpec,
                                   message: "the CDI spec \(source) lists device \"\(device.name)\" without deviceNodes; a GPU needs its node (/dev/nvidiaN): \(CDISpecReader.regenerate)")
            }
            let hosts = Set(edits.deviceNodes.map(\.hostPath))
            guard taken.isDisjoint(with: hosts) else { continue }
            taken.formUnion(hosts)
            let injection = CDIInjection(specPath: source, name: "\(spec.kind)=\(device.name)", device: edits, shared: shared)
            gpus.append(GPUDevice(index: gpus.count, path: first.hostPath, major: first.major, minor: first.minor, injection: injection))
        }
        return gpus
    }

    private static func resolve(_ edits: CDIContainerEdits, of owner: String, spec: CDISpec, source: String,
                                lookup: (String) -> DeviceNumbers?) throws -> CDIInjection.Edits {
        let nodes = try edits.deviceNodes.map { node -> CDIInjection.Node in
            let host = node.hostPath ?? node.path
            let numbers: DeviceNumbers
            if let type = node.type, let major = node.major, let minor = node.minor {
                numbers = DeviceNumbers(type: type, major: major, minor: minor)
            } else {
                guard let found = lookup(host) else {
                    throw SandboxError(code: .cdiDeviceMissing,
                                       message: "the CDI spec \(source) (\(owner)) names \(host), which is not a device node on this host; the driver or the GPUs changed since it was written: \(CDISpecReader.regenerate)")
                }
                if let type = node.type, type != found.type {
                    throw SandboxError(code: .cdiDeviceMissing,
                                       message: "the CDI spec \(source) (\(owner)) says \(host) is of type \(type) but it is of type \(found.type) on this host: \(CDISpecReader.regenerate)")
                }
                numbers = found
            }
            return CDIInjection.Node(path: node.path, hostPath: host, type: numbers.type, major: numbers.major, minor: numbers.minor,
                                     permissions: node.permissions ?? "rwm", fileMode: node.fileMode, uid: node.uid, gid: node.gid)
        }
        return CDIInjection.Edits(env: edits.env, deviceNodes: nodes, mounts: edits.mounts, hooks: edits.hooks)
    }
}
