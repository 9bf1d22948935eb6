import Foundation

/// One GPU to pass through, e.g. /dev/nvidia0 (char device 195:0): the unit a worker hands to a task.
public struct GPUDevice: Sendable, Codable, Equatable, Hashable {
    public var index: Int
    /// The GPU's own device node on the host (for a CDI device, its first node).
    public var path: String
    public var major: Int64
    public var minor: Int64
    /// What injecting the GPU takes when it comes from a CDI spec; nil for a GPU found in /dev, which gets the nodes,
    /// driver files and environment that `GPUDiscovery` picks.
    public var injection: CDIInjection?

    public init(index: Int, path: String, major: Int64, minor: Int64, injection: CDIInjection? = nil) {
        self.index = index
        self.path = path
        self.major = major
        self.minor = minor
        self.injection = injection
    }
}

/// Finds NVIDIA devices and what a container needs to use them.
public enum GPUDiscovery {
    /// The GPUs of this host (/dev/nvidiaN), sorted by index; [] on a machine without NVIDIA GPUs.
    public static func nvidiaDevices(devDirectory: String = "/dev") -> [GPUDevice] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: devDirectory)) ?? []
        return names.compactMap { name -> GPUDevice? in
            guard name.hasPrefix("nvidia"), let index = Int(name.dropFirst(6)), index >= 0 else { return nil }
            let path = devDirectory + "/" + name
            guard let (major, minor) = characterDeviceNumbers(path) else { return nil }
            return GPUDevice(index: index, path: path, major: major, minor: minor)
        }.sorted { $0.index < $1.index }
    }

    /// Shared control nodes every CUDA program needs besides its /dev/nvidiaN.
    static func controlDevices(devDirectory: String = "/dev") -> [GPUDevice] {
        ["nvidiactl", "nvidia-uvm", "nvidia-uvm-tools", "nvidia-modeset"].compactMap { name in
            let path = devDirectory + "/" + name
            guard let (major, minor) = characterDeviceNumbers(path) else { return nil }
            return GPUDevice(index: -1, path: path, major: major, minor: minor)
        }
    }

    /// Host driver libraries and tools (libcuda, libnvidia-*, nvidia-smi) to bind read-only.
    static func driverFiles() -> [String] {
        let libraryDirectories = ["/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64", "/usr/lib"]
        var files: [String] = []
        for directory in libraryDirectories {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            for name in names.sorted()
            where (name.hasPrefix("libcuda.so") || name.hasPrefix("libnvidia-")) && name.contains(".so") {
                files.append(directory + "/" + name)
            }
        }
        for tool in ["/usr/bin/nvidia-smi"] where FileManager.default.isExecutableFile(atPath: tool) {
            files.append(tool)
        }
        return files
    }

    /// Major and minor numbers of a character device, or nil when the path is not one.
    static func characterDeviceNumbers(_ path: String) -> (Int64, Int64)? {
        guard let numbers = deviceNumbers(path), numbers.type == "c" else { return nil }
        return (numbers.major, numbers.minor)
    }

    /// Type (`c` or `b`), major and minor of a device node, or nil when the path is not one.
    public static func deviceNumbers(_ path: String) -> DeviceNumbers? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        let format = info.st_mode & S_IFMT
        guard format == S_IFCHR || format == S_IFBLK else { return nil }
        let device = UInt64(info.st_rdev)
        let major = ((device >> 8) & 0xfff) | ((device >> 32) & ~UInt64(0xfff))
        let minor = (device & 0xff) | ((device >> 12) & ~UInt64(0xff))
        return DeviceNumbers(type: format == S_IFCHR ? "c" : "b", major: Int64(major), minor: Int64(minor))
    }
}

/// A device node's identity as the device cgroup sees it.
public struct DeviceNumbers: Sendable, Equatable {
    public var type: String
    public var major: Int64
    public var minor: Int64

    public init(type: String, major: Int64, minor: Int64) {
        self.type = type
        self.major = major
        self.minor = minor
    }
}
