import ProvaCore

/// The checks CDI's own loader makes on a decoded spec, each failing with the field to fix: a spec that passes can be
/// merged into a runc config without further checks.
enum CDISpecCheck {
    static let hookNames: Set<String> = ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"]

    static func check(_ spec: CDISpec, source: String) throws {
        func fail(_ what: String) -> SandboxError {
            SandboxError(code: .invalidCDISpec, message: "the CDI spec \(source) is malformed: \(what); fix it or \(CDISpecReader.regenerate)")
        }
        let kind = spec.kind.split(separator: "/", omittingEmptySubsequences: false)
        guard kind.count == 2, kind.allSatisfy({ isName($0, extra: ".-_") }), kind[0].contains(".") else {
            throw fail("kind \"\(spec.kind)\" is not of the form vendor.com/class (e.g. nvidia.com/gpu)")
        }
        guard !spec.devices.isEmpty else { throw fail("devices is empty; a spec must list at least one device") }
        var names = Set<String>()
        for (index, device) in spec.devices.enumerated() {
            guard isName(Substring(device.name), extra: "_.:-") else {
                throw fail("devices[\(index)].name \"\(device.name)\" must be letters, digits, '_', '.', ':' or '-', starting with a letter or digit")
            }
            guard names.insert(device.name).inserted else { throw fail("device name \"\(device.name)\" appears more than once") }
            try checkEdits(device.containerEdits, at: "devices[\(index)].containerEdits", fail: fail)
        }
        if let edits = spec.containerEdits { try checkEdits(edits, at: "containerEdits", fail: fail) }
    }

    private static func checkEdits(_ edits: CDIContainerEdits, at place: String, fail: (String) -> SandboxError) throws {
        for (index, entry) in edits.env.enumerated() where !isEnvironmentEntry(entry) {
            throw fail("\(place).env[\(index)] \"\(entry)\" is not KEY=VALUE")
        }
        for (index, node) in edits.deviceNodes.enumerated() {
            let at = "\(place).deviceNodes[\(index)]"
            guard isAbsolute(node.path) else { throw fail("\(at).path \"\(node.path)\" must be an absolute path such as /dev/nvidia0") }
            if let host = node.hostPath, !isAbsolute(host) { throw fail("\(at).hostPath \"\(host)\" must be an absolute path") }
            if let type = node.type, !["c", "b"].contains(type) {
                throw fail("\(at).type \"\(type)\" must be c (character device) or b (block device)")
            }
            guard (node.major == nil) == (node.minor == nil) else { throw fail("\(at) gives only one of major and minor; give both or neither") }
            if let permissions = node.permissions, permissions.isEmpty || !permissions.allSatisfy({ "rwm".contains($0) }) {
                throw fail("\(at).permissions \"\(permissions)\" must be made of r, w and m")
            }
        }
        for (index, mount) in edits.mounts.enumerated() {
            let at = "\(place).mounts[\(index)]"
            guard isAbsolute(mount.hostPath) else { throw fail("\(at).hostPath \"\(mount.hostPath)\" must be an absolute path") }
            guard isAbsolute(mount.containerPath) else {
                throw fail("\(at).containerPath \"\(mount.containerPath)\" must be an absolute path without '..'")
            }
        }
        for (index, hook) in edits.hooks.enumerated() {
            let at = "\(place).hooks[\(index)]"
            guard hookNames.contains(hook.hookName) else {
                throw fail("\(at).hookName \"\(hook.hookName)\" must be one of \(hookNames.sorted().joined(separator: ", "))")
            }
            guard isAbsolute(hook.path) else { throw fail("\(at).path \"\(hook.path)\" must be an absolute path to the hook's program") }
            for entry in hook.env where !isEnvironmentEntry(entry) { throw fail("\(at).env entry \"\(entry)\" is not KEY=VALUE") }
        }
    }

    static func isAbsolute(_ path: String) -> Bool {
        path.hasPrefix("/") && !path.split(separator: "/").contains("..")
    }

    static func isEnvironmentEntry(_ entry: String) -> Bool {
        guard let equals = entry.firstIndex(of: "=") else { return false }
        return equals != entry.startIndex
    }

    private static func isName(_ text: Substring, extra: String) -> Bool {
        guard let first = text.first, first.isASCII, first.isLetter || first.isNumber else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || extra.contains($0)) }
    }
}
