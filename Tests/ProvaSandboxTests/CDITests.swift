import Foundation
import ProvaCore
import ProvaTesting
import Testing

@testable import ProvaSandbox

/// A spec shaped like `nvidia-ctk cdi generate` output for a host with two GPUs (no GPU is needed: device numbers come
/// from a table, as `stat` would give them).
enum NvidiaCTKSpec {
    static let yaml = """
        ---
        cdiVersion: 0.6.0
        kind: nvidia.com/gpu
        devices:
        - name: "0"
          containerEdits:
            deviceNodes:
            - path: /dev/nvidia0
        - name: "1"
          containerEdits:
            deviceNodes:
            - path: /dev/nvidia1
        - name: all
          containerEdits:
            deviceNodes:
            - path: /dev/nvidia0
            - path: /dev/nvidia1
        containerEdits:
          env:
          - NVIDIA_VISIBLE_DEVICES=void
          deviceNodes:
          - path: /dev/nvidiactl
          - path: /dev/nvidia-uvm
          - path: /dev/nvidia-uvm-tools
          hooks:
          - hookName: createContainer
            path: /usr/bin/nvidia-cdi-hook
            args:
            - nvidia-cdi-hook
            - update-ldcache
            - --folder
            - /usr/lib/x86_64-linux-gnu
          mounts:
          - hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15
            containerPath: /usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15
            options:
            - ro
            - nosuid
            - nodev
            - bind
          - hostPath: /usr/bin/nvidia-smi
            containerPath: /usr/bin/nvidia-smi
            options:
            - ro
            - nodev
            - bind

        """

    static let numbers: [String: DeviceNumbers] = [
        "/dev/nvidia0": .init(type: "c", major: 195, minor: 0),
        "/dev/nvidia1": .init(type: "c", major: 195, minor: 1),
        "/dev/nvidiactl": .init(type: "c", major: 195, minor: 255),
        "/dev/nvidia-uvm": .init(type: "c", major: 508, minor: 0),
        "/dev/nvidia-uvm-tools": .init(type: "c", major: 508, minor: 1),
    ]

    static func spec(_ text: String = yaml) throws -> CDISpec { try CDISpecReader.parse(text, source: "nvidia.yaml") }

    static func gpus(_ text: String = yaml) throws -> [GPUDevice] {
        try CDIGPUs.devices(of: spec(text), source: "nvidia.yaml", lookup: { numbers[$0] })
    }

    /// The error a malformed spec gives, as its code and message.
    static func failure(_ text: String) -> SandboxError? {
        do { _ = try gpus(text); return nil } catch { return error as? SandboxError }
    }
}

@Suite("CDI specs", .tags(.unit))
struct CDISpecTests {
    @Test("an nvidia-ctk spec parses: version, kind, devices, container-wide edits")
    func parses() throws {
        let spec = try NvidiaCTKSpec.spec()
        #expect(spec.cdiVersion == "0.6.0")
        #expect(spec.kind == "nvidia.com/gpu")
        #expect(spec.devices.map(\.name) == ["0", "1", "all"])
        #expect(spec.devices[0].containerEdits.deviceNodes.map(\.path) == ["/dev/nvidia0"])
        let shared = try #require(spec.containerEdits)
        #expect(shared.env == ["NVIDIA_VISIBLE_DEVICES=void"])
        #expect(shared.deviceNodes.map(\.path) == ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"])
        #expect(shared.hooks == [.init(hookName: "createContainer", path: "/usr/bin/nvidia-cdi-hook",
                                       args: ["nvidia-cdi-hook", "update-ldcache", "--folder", "/usr/lib/x86_64-linux-gnu"])])
        #expect(shared.mounts.map(\.containerPath) == ["/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15", "/usr/bin/nvidia-smi"])
    }

    @Test("a JSON spec is read the same way")
    func json() throws {
        let spec = try NvidiaCTKSpec.spec("""
            {"cdiVersion": "0.8.0", "kind": "nvidia.com/gpu",
             "devices": [{"name": "0", "containerEdits": {"deviceNodes": [{"path": "/dev/nvidia0", "type": "c", "major": 195, "minor": 0}]}}]}
            """)
        #expect(spec.devices[0].containerEdits.deviceNodes[0].major == 195)
    }

    @Test("the whole GPUs are 0 and 1: `all` is not handed out, and an alias of a GPU taken is skipped")
    func choosesWholeGPUs() throws {
        let gpus = try NvidiaCTKSpec.gpus()
        #expect(gpus.map(\.path) == ["/dev/nvidia0", "/dev/nvidia1"])
        #expect(gpus.map(\.index) == [0, 1])
        #expect(gpus.map { $0.injection?.name } == ["nvidia.com/gpu=0", "nvidia.com/gpu=1"])
        #expect(gpus[1].major == 195 && gpus[1].minor == 1)

        let aliased = NvidiaCTKSpec.yaml.replacingOccurrences(of: "- name: all", with: """
            - name: GPU-8d1c3a
              containerEdits:
                deviceNodes:
                - path: /dev/nvidia0
            - name: all
            """)
        #expect(try NvidiaCTKSpec.gpus(aliased).map { $0.injection?.name } == ["nvidia.com/gpu=0", "nvidia.com/gpu=1"])
    }

    @Test("the inventory names its source: a CDI spec when one exists, else the /dev nodes")
    func inventorySource() throws {
        let directory = try Fixtures.temporaryDirectory("cdi")
        let path = directory.appendingPathComponent("nvidia.yaml").path
        try Data(NvidiaCTKSpec.yaml.utf8).write(to: URL(fileURLWithPath: path))
        let inventory = try GPUInventory.locate(cdiSpecPaths: [directory.appendingPathComponent("absent.yaml").path, path],
                                                lookup: { NvidiaCTKSpec.numbers[$0] })
        #expect(inventory.source == .cdi(path: path, kind: "nvidia.com/gpu"))
        #expect(inventory.sourceDescription == "CDI spec \(path) (kind nvidia.com/gpu)")
        #expect(inventory.devices.count == 2)

        let dev = try Fixtures.temporaryDirectory("dev")
        let discovered = try GPUInventory.locate(cdiSpecPaths: [directory.appendingPathComponent("absent.yaml").path], devDirectory: dev.path)
        #expect(discovered.sourceDescription == "discovered \(dev.path)/nvidia*")
        #expect(discovered.devices.isEmpty)
    }

    @Test("an unknown or too old cdiVersion is refused with the versions Prova reads")
    func unknownVersion() throws {
        for version in ["0.5.0", "9.0.0", "banana"] {
            let error = NvidiaCTKSpec.failure(NvidiaCTKSpec.yaml.replacingOccurrences(of: "cdiVersion: 0.6.0", with: "cdiVersion: \(version)"))
            #expect(error?.code == .unsupportedCDIVersion)
            #expect(error?.message.contains("nvidia-ctk cdi generate") == true)
        }
        let old = NvidiaCTKSpec.failure(NvidiaCTKSpec.yaml.replacingOccurrences(of: "cdiVersion: 0.6.0", with: "cdiVersion: 0.5.0"))
        #expect(old?.message.contains("older than 0.6.0") == true)
        for version in CDISpecReader.supportedVersions {
            #expect(throws: Never.self) {
                try NvidiaCTKSpec.gpus(NvidiaCTKSpec.yaml.replacingOccurrences(of: "cdiVersion: 0.6.0", with: "cdiVersion: \(version)"))
            }
        }
    }

    @Test("a malformed spec says which field to fix", arguments: [
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\n", "`devices` is missing"),
        ("cdiVersion: 0.6.0\nkind: gpu\ndevices: [{name: a, containerEdits: {}}]\n", "kind \"gpu\""),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: []\n", "devices is empty"),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {}}, {name: a, containerEdits: {}}]\n", "appears more than once"),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {deviceNodes: [{path: dev/x}]}}]\n", "devices[0].containerEdits.deviceNodes[0].path"),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {deviceNodes: [{path: /dev/x, major: 1}]}}]\n", "only one of major and minor"),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {deviceNodes: [{path: /dev/x, permissions: rwx}]}}]\n", "made of r, w and m"),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {mounts: [{hostPath: /a, containerPath: ../etc}]}}]\n", "containerPath \"../etc\""),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {hooks: [{hookName: onBoot, path: /bin/x}]}}]\n", "hookName \"onBoot\""),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {env: [NOEQUALS]}}]\n", "env[0] \"NOEQUALS\""),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {additionalGids: [44]}}]\n", "additionalGids"),
        ("cdiVersion: 0.6.0\nkind: nvidia.com/gpu\ndevices: [{name: a, containerEdits: {deviceNodes: [{path: /dev/x, major: one, minor: 2}]}}]\n", "should be an integer"),
        ("cdiVersion: 0.6.0\nkind: [nvidia\n", "malformed"),
    ])
    func malformed(text: String, says: String) throws {
        let error = try #require(NvidiaCTKSpec.failure(text))
        #expect(error.code == .invalidCDISpec)
        #expect(error.message.contains(says), "\(error.message)")
        #expect(error.message.contains("nvidia-ctk cdi generate"))
    }

    @Test("a device node the host lacks means the spec is stale")
    func staleSpec() throws {
        let error = try #require(NvidiaCTKSpec.failure(NvidiaCTKSpec.yaml.replacingOccurrences(of: "/dev/nvidia1", with: "/dev/nvidia7")))
        #expect(error.code == .cdiDeviceMissing)
        #expect(error.message.contains("/dev/nvidia7") && error.message.contains("nvidia-ctk cdi generate"))
    }
}

@Suite("CDI merge into the runc config", .tags(.unit))
struct CDIMergeTests {
    private func config(gpus: Int, environment: [String] = []) throws -> OCISpec {
        var spec = try Fixtures.spec("true", limits: Fixtures.limits(memory: 256 << 20, pids: 50, tmp: 3 << 20))
        spec.environment = environment
        spec.gpus = Array(try NvidiaCTKSpec.gpus().prefix(gpus))
        return BundleConfig.make(spec: spec, environment: try spec.containerEnvironment(),
                                 outputSource: "/bundle/output", cgroupsPath: "/prova/x", seccomp: nil,
                                 identity: .userNamespace(hostID: 100_000, size: 65_536))
    }

    @Test("one GPU: its node and the control nodes, each with an rwm allow rule after the deny-all")
    func oneGPU() throws {
        let config = try config(gpus: 1)
        #expect(config.linux.devices?.map(\.path) == ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia0"])
        #expect(config.linux.devices?.last == .init(path: "/dev/nvidia0", type: "c", major: 195, minor: 0, fileMode: 0o666, uid: 0, gid: 0))
        #expect(config.linux.resources.devices == [
            .init(allow: false, type: nil, major: nil, minor: nil, access: "rwm"),
            .init(allow: true, type: "c", major: 195, minor: 255, access: "rwm"),
            .init(allow: true, type: "c", major: 508, minor: 0, access: "rwm"),
            .init(allow: true, type: "c", major: 508, minor: 1, access: "rwm"),
            .init(allow: true, type: "c", major: 195, minor: 0, access: "rwm"),
        ])
        #expect(!(config.linux.devices ?? []).contains { $0.path == "/dev/nvidia1" })
    }

    @Test("two GPUs: both nodes, the container-wide edits once")
    func twoGPUs() throws {
        let config = try config(gpus: 2)
        let paths = config.linux.devices?.map(\.path) ?? []
        #expect(paths == ["/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia0", "/dev/nvidia1"])
        #expect(config.linux.resources.devices.count == 1 + 5)
        #expect(config.mounts.filter { $0.source == "/usr/bin/nvidia-smi" }.count == 1)
        #expect(config.hooks?.createContainer?.count == 1)
    }

    @Test("library mounts are binds as the spec gives them, made nosuid; no /dev discovery mounts")
    func mounts() throws {
        let config = try config(gpus: 1)
        #expect(config.mounts.contains(.init(destination: "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15", type: "bind",
                                             source: "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15", options: ["ro", "nosuid", "nodev", "bind"])))
        #expect(config.mounts.contains(.init(destination: "/usr/bin/nvidia-smi", type: "bind", source: "/usr/bin/nvidia-smi",
                                             options: ["ro", "nodev", "bind", "nosuid"])))
        #expect(!config.mounts.contains { $0.destination == "/usr/local/nvidia" })
        // The sandbox's own mounts come first, so a spec cannot hide /input or /output under its own.
        let first = try #require(config.mounts.firstIndex { $0.source == "/usr/bin/nvidia-smi" })
        let output = try #require(config.mounts.firstIndex { $0.destination == "/output" })
        #expect(output < first)
    }

    @Test("the spec's env is set, overriding the program's value of the same key")
    func environment() throws {
        let config = try config(gpus: 1, environment: ["NVIDIA_VISIBLE_DEVICES=all", "A=1"])
        #expect(config.process.env.contains("NVIDIA_VISIBLE_DEVICES=void"))
        #expect(!config.process.env.contains("NVIDIA_VISIBLE_DEVICES=all"))
        #expect(config.process.env.contains("A=1"))
        #expect(!config.process.env.contains { $0.hasPrefix("LD_LIBRARY_PATH=") })
    }

    @Test("hooks land in the OCI hooks section under their hook point")
    func hooks() throws {
        let config = try config(gpus: 1)
        #expect(config.hooks == OCISpec.Hooks(createContainer: [
            .init(path: "/usr/bin/nvidia-cdi-hook", args: ["nvidia-cdi-hook", "update-ldcache", "--folder", "/usr/lib/x86_64-linux-gnu"]),
        ]))
        let json = String(decoding: try JSONEncoder().encode(config), as: UTF8.self)
        #expect(json.contains("\"createContainer\""))
        #expect(!json.contains("\"poststop\""))
    }

    @Test("without GPUs there is no hooks section")
    func noGPUs() throws {
        let config = try config(gpus: 0)
        #expect(config.hooks == nil)
        #expect(config.linux.devices == nil)
    }
}
