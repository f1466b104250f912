/// The secret under which PII values are hashed. Hashes only let a conversation recognize a repeated value; with a
/// key that stays on the server, a hash cannot be reversed by hashing every possible card or phone number.
/// Deployments should pass their own key (for example derived from an installation secret); `builtIn` is a fixed
/// key so that results are stable across runs and tests.
public struct PIIHashKey: Sendable, Equatable {
    public var k0: UInt64
    public var k1: UInt64

    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    /// A key from the first 16 bytes of `secret` (little-endian), e.g. random bytes kept with the installation.
    public init?(secret: [UInt8]) {
        guard secret.count >= 16 else { return nil }
        func word(_ offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(secret[offset + $1]) << UInt64(8 * $1) } }
        self.init(k0: word(0), k1: word(8))
    }

    /// A key derived from a configured secret of any length (its SHA-256), e.g. `CHATTER_PII_HASH_SECRET`.
    public init(passphrase: String) {
        self.init(secret: SHA256.hash(Array(passphrase.utf8)))!
    }

    public static let builtIn = PIIHashKey(k0: 0x6368_6174_7465_722d, k1: 0x7069_692d_7631_2d6b)

    /// `type:value` under this key, as 16 lowercase hex digits.
    func hash(_ type: PIIType, _ normalizedValue: String) -> String {
        let digest = SipHash24.hash(Array("\(type.rawValue):\(normalizedValue)".utf8), k0: k0, k1: k1)
        let hex = String(digest, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

/// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed 64-bit pseudorandom function, fast on short inputs.
enum SipHash24 {
    static func hash(_ message: [UInt8], k0: UInt64, k1: UInt64) -> UInt64 {
        var v0 = k0 ^ 0x736f_6d65_7073_6575
        var v1 = k1 ^ 0x646f_7261_6e64_6f6d
        var v2 = k0 ^ 0x6c79_6765_6e65_7261
        var v3 = k1 ^ 0x7465_6462_7974_6573

        func round() {
            v0 = v0 &+ v1
            v1 = rotl(v1, 13) ^ v0
            v0 = rotl(v0, 32)
            v2 = v2 &+ v3
            v3 = rotl(v3, 16) ^ v2
            v0 = v0 &+ v3
            v3 = rotl(v3, 21) ^ v0
            v2 = v2 &+ v1
            v1 = rotl(v1, 17) ^ v2
            v2 = rotl(v2, 32)
        }
        func absorb(_ word: UInt64) {
            v3 ^= word
            round()
            round()
            v0 ^= word
        }

        let fullWords = message.count / 8
        for wordIndex in 0..<fullWords {
            var word: UInt64 = 0
            for byte in 0..<8 { word |= UInt64(message[8 * wordIndex + byte]) << UInt64(8 * byte) }
            absorb(word)
        }
        // The last word holds the remaining bytes and, in its top byte, the message length mod 256.
        var last = UInt64(truncatingIfNeeded: message.count) << 56
        for byte in 0..<(message.count % 8) { last |= UInt64(message[8 * fullWords + byte]) << UInt64(8 * byte) }
        absorb(last)
        v2 ^= 0xff
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }

    private static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }
}
