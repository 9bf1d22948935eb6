import Foundation

/// The GPUs a worker can hand out and where it learnt of them: a CDI spec when the host has one, else the /dev/nvidiaN
/// nodes. A spec that exists but is malformed or stale is an error, never a reason to fall back to /dev.
public struct GPUInventory: Sendable {
    public enum Source: Sendable, Equatable {
        case cdi(path: String, kind: String)
        case discovered(devDirectory: String)
    }

    public var source: Source
    public var devices: [GPUDevice]

    public init(source: Source, devices: [GPUDevice]) {
        self.source = source
        self.devices = devices
    }

    /// For the operator: "CDI spec /etc/cdi/nvidia.yaml (kind nvidia.com/gpu)" or "discovered /dev/nvidia*".
    public var sourceDescription: String {
        switch source {
        case .cdi(let path, let kind): "CDI spec \(path) (kind \(kind))"
        case .discovered(let devDirectory): "discovered \(devDirectory)/nvidia*"
        }
    }

    /// Reads the first of `cdiSpecPaths` that exists; without one, discovers the NVIDIA nodes of `devDirectory`.
    public static func locate(cdiSpecPaths: [String] = CDISpecReader.defaultPaths, devDirectory: String = "/dev",
                              lookup: (String) -> DeviceNumbers? = GPUDiscovery.deviceNumbers) throws -> GPUInventory {
        if let path = cdiSpecPaths.first(where: { FileManager.default.fileExists(atPath: $0) }) {
            let spec = try CDISpecReader.read(path: path)
            return GPUInventory(source: .cdi(path: path, kind: spec.kind), devices: try CDIGPUs.devices(of: spec, source: path, lookup: lookup))
        }
        return GPUInventory(source: .discovered(devDirectory: devDirectory), devices: GPUDiscovery.nvidiaDevices(devDirectory: devDirectory))
    }
}
