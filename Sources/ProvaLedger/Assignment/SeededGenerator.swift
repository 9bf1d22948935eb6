import Crypto
public import ProvaCore

/// Deterministic randomness for selection: xoshiro256** seeded from a SHA-256 digest.
/// The standard library's `random(in:using:)` is not specified to stay the same across Swift
/// versions, so bounded draws use Lemire's method here, fixed forever.
public struct SeededGenerator: Sendable, RandomNumberGenerator {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    public init(seed text: String) {
        var text = text
        let digest = text.withUTF8 { Array(SHA256.hash(data: $0)) }
        func word(_ offset: Int) -> UInt64 {
            var value: UInt64 = 0
            for index in 0..<8 { value = value << 8 | UInt64(digest[offset + index]) }
            return value
        }
        s0 = word(0); s1 = word(8); s2 = word(16); s3 = word(24)
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    /// The seed of one draw (docs/PROTOCOL.md "Selection"): SHA-256(randomness ‖ task ID ‖ slot ‖ draw counter ‖ role),
    /// `|`-separated, where the randomness is a block's beacon.
    public init(randomness: String, task: TaskID, slot: Int, counter: Int, role: String) {
        var text = randomness
        text.reserveCapacity(randomness.utf8.count + task.utf8.count + role.utf8.count + 48)
        text += "|"
        text += task
        text += "|"
        text += String(slot)
        text += "|"
        text += String(counter)
        text += "|"
        text += role
        self.init(seed: text)
    }

    /// A generator for one stream of a word drawn from another (a placement tier): the four state words are SplitMix64
    /// outputs from `word ^ (stream × golden ratio)`, the seeding xoshiro's authors recommend.
    public init(word: UInt64, stream: UInt64) {
        var mix = word ^ (stream &* 0x9E37_79B9_7F4A_7C15)
        func splitMix() -> UInt64 {
            mix &+= 0x9E37_79B9_7F4A_7C15
            var z = mix
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }
    }

    public mutating func next() -> UInt64 {
        let result = rotate(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotate(s3, 45)
        return result
    }

    /// Uniform in 0..<bound (bound > 0), without modulo bias.
    public mutating func below(_ bound: Int) -> Int {
        precondition(bound > 0)
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// True with probability `partsPerMillion / 1_000_000`.
    public mutating func chance(partsPerMillion: Int64) -> Bool {
        Int64(below(1_000_000)) < partsPerMillion
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 { (value << count) | (value >> (64 - count)) }
}
