/// What a run's GPUs add to its runc config: device nodes, their device-cgroup allow rules, mounts, environment and
/// hooks. GPUs from a CDI spec get exactly what the spec says; GPUs found in /dev get the nodes and driver files that
/// `GPUDiscovery` picks.
struct GPUPassthrough: Equatable {
    var devices: [OCISpec.Device] = []
    var rules: [OCISpec.DeviceRule] = []
    var mounts: [OCISpec.Mount] = []
    /// The program's environment with the GPUs' entries merged in.
    var environment: [String]
    var hooks: OCISpec.Hooks?

    init(gpus: [GPUDevice], environment: [String]) {
        self.environment = environment
        let injections = gpus.compactMap(\.injection)
        if !injections.isEmpty { addCDI(injections) }
        let discovered = gpus.filter { $0.injection == nil }
        if !discovered.isEmpty { addDiscovered(discovered) }
    }

    /// Container-wide edits first (once per spec), then each device's, as CDI's own injector orders them; equal
    /// entries are applied once, and an env key set again takes the later value (CDI overrides the program's).
    private mutating func addCDI(_ injections: [CDIInjection]) {
        var edits: [CDIInjection.Edits] = []
        for shared in injections.map(\.shared) where !edits.contains(shared) { edits.append(shared) }
        edits += injections.map(\.device)

        var seenNodes = Set<CDIInjection.Node>()
        var seenMounts = Set<CDIContainerEdits.Mount>()
        var seenHooks = Set<CDIContainerEdits.Hook>()
        var cdiMounts: [CDIContainerEdits.Mount] = []
        var hooks = OCISpec.Hooks()
        for edit in edits {
            for entry in edit.env { setEnvironment(entry) }
            for node in edit.deviceNodes where seenNodes.insert(node).inserted {
                devices.append(.init(path: node.path, type: node.type, major: node.major, minor: node.minor,
                                     fileMode: node.fileMode ?? 0o666, uid: node.uid ?? 0, gid: node.gid ?? 0))
                rules.append(.init(allow: true, type: node.type, major: node.major, minor: node.minor, access: node.permissions))
            }
            for mount in edit.mounts where seenMounts.insert(mount).inserted { cdiMounts.append(mount) }
            for hook in edit.hooks where seenHooks.insert(hook).inserted { Self.add(hook, to: &hooks) }
        }
        // Parents before children, whatever order the spec lists them in (a stable sort keeps the spec's order otherwise).
        let ordered = cdiMounts.enumerated().sorted {
            let (left, right) = ($0.element.containerPath.split(separator: "/").count, $1.element.containerPath.split(separator: "/").count)
            return left != right ? left < right : $0.offset < $1.offset
        }.map(\.element)
        for mount in ordered {
            // Host files never carry set-uid power into a stranger's program.
            let options = mount.options.contains("nosuid") ? mount.options : mount.options + ["nosuid"]
            mounts.append(.init(destination: mount.containerPath, type: mount.type ?? "bind", source: mount.hostPath, options: options))
        }
        self.hooks = hooks == OCISpec.Hooks() ? nil : hooks
    }

    private mutating func setEnvironment(_ entry: String) {
        let key = entry.prefix { $0 != "=" }
        environment.removeAll { $0.prefix { $0 != "=" } == key }
        environment.append(entry)
    }

    private static func add(_ hook: CDIContainerEdits.Hook, to hooks: inout OCISpec.Hooks) {
        let converted = OCISpec.Hook(path: hook.path, args: hook.args.isEmpty ? nil : hook.args,
                                     env: hook.env.isEmpty ? nil : hook.env, timeout: hook.timeout)
        // `CDISpecCheck` admits only these names.
        switch hook.hookName {
        case "prestart": hooks.prestart = (hooks.prestart ?? []) + [converted]
        case "createRuntime": hooks.createRuntime = (hooks.createRuntime ?? []) + [converted]
        case "createContainer": hooks.createContainer = (hooks.createContainer ?? []) + [converted]
        case "startContainer": hooks.startContainer = (hooks.startContainer ?? []) + [converted]
        case "poststart": hooks.poststart = (hooks.poststart ?? []) + [converted]
        default: hooks.poststop = (hooks.poststop ?? []) + [converted]
        }
    }

    private mutating func addDiscovered(_ gpus: [GPUDevice]) {
        for node in gpus + GPUDiscovery.controlDevices() {
            devices.append(.init(path: node.path, type: "c", major: node.major, minor: node.minor, fileMode: 0o666, uid: 0, gid: 0))
            rules.append(.init(allow: true, type: "c", major: node.major, minor: node.minor, access: "rw"))
        }
        // Driver files go into a tmpfs so that runc creates their mount points there, never in the shared read-only image.
        mounts.append(.init(destination: "/usr/local/nvidia", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=755", "size=1m"]))
        for file in GPUDiscovery.driverFiles() {
            let name = file.split(separator: "/").last.map(String.init) ?? file
            let directory = file.hasSuffix("nvidia-smi") ? "/usr/local/nvidia/bin/" : "/usr/local/nvidia/lib64/"
            mounts.append(.init(destination: directory + name, type: "bind", source: file, options: ["bind", "ro", "nosuid", "nodev"]))
        }
        environment.append("NVIDIA_VISIBLE_DEVICES=" + gpus.map { String($0.index) }.joined(separator: ","))
        if !environment.contains(where: { $0.hasPrefix("LD_LIBRARY_PATH=") }) {
            environment.append("LD_LIBRARY_PATH=/usr/local/nvidia/lib64")
        }
    }
}
