import Synchronization

/// The node URLs of a client and which of them to try first: the one that answered last. Shared by every copy of a
/// `ProvaClient`, so a failover one request made holds for the next.
final class NodeRing: Sendable {
    let urls: [String]
    private let preferred = Mutex(0)

    /// - Precondition: `urls` is not empty (`NodeList` refuses an empty list).
    init(_ urls: [String]) { self.urls = urls }

    var currentIndex: Int { preferred.withLock { $0 } }
    var current: String { urls[currentIndex] }

    /// Each index once, the preferred node first, then the others in list order after it (wrapping).
    func order() -> [Int] {
        let start = currentIndex
        return (0..<urls.count).map { (start + $0) % urls.count }
    }

    func index(after index: Int) -> Int { (index + 1) % urls.count }

    /// Records that the node at `index` answered; returns the URL it replaces as the preferred one, nil if it already was.
    func answered(_ index: Int) -> String? {
        preferred.withLock { current in
            guard current != index else { return nil }
            defer { current = index }
            return urls[current]
        }
    }
}
