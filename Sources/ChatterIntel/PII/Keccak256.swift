/// Keccak-256 as Ethereum uses it (the original Keccak submission's padding `0x01…0x80`, not SHA3-256's `0x06`),
/// for the EIP-55 mixed-case checksum of Ethereum addresses. Written from the Keccak reference (FIPS 202 §3 gives
/// the same permutation, Keccak-f[1600]); tested against published digests and the EIP-55 examples.
enum Keccak256 {
    private static let rate = 136  // bytes: 1600 bits of state minus a 512-bit capacity

    private static let roundConstants: [UInt64] = [
        0x0000_0000_0000_0001, 0x0000_0000_0000_8082, 0x8000_0000_0000_808A, 0x8000_0000_8000_8000,
        0x0000_0000_0000_808B, 0x0000_0000_8000_0001, 0x8000_0000_8000_8081, 0x8000_0000_0000_8009,
        0x0000_0000_0000_008A, 0x0000_0000_0000_0088, 0x0000_0000_8000_8009, 0x0000_0000_8000_000A,
        0x0000_0000_8000_808B, 0x8000_0000_0000_008B, 0x8000_0000_0000_8089, 0x8000_0000_0000_8003,
        0x8000_0000_0000_8002, 0x8000_0000_0000_0080, 0x0000_0000_0000_800A, 0x8000_0000_8000_000A,
        0x8000_0000_8000_8081, 0x8000_0000_0000_8080, 0x0000_0000_8000_0001, 0x8000_0000_8000_8008,
    ]

    /// ρ offsets by lane index `x + 5y`, from the spec's walk (x, y) ← (y, 2x + 3y) with offset (t+1)(t+2)/2.
    private static let rotationOffsets: [UInt64] = {
        var offsets = [UInt64](repeating: 0, count: 25)
        var (x, y) = (1, 0)
        for t in 0..<24 {
            offsets[x + 5 * y] = UInt64(((t + 1) * (t + 2) / 2) % 64)
            (x, y) = (y, (2 * x + 3 * y) % 5)
        }
        return offsets
    }()

    static func hash(_ message: [UInt8]) -> [UInt8] {
        var padded = message
        padded.append(0x01)
        while padded.count % rate != 0 { padded.append(0) }
        padded[padded.count - 1] |= 0x80

        var state = [UInt64](repeating: 0, count: 25)
        for blockStart in stride(from: 0, to: padded.count, by: rate) {
            for lane in 0..<(rate / 8) {
                var value: UInt64 = 0
                for byte in 0..<8 { value |= UInt64(padded[blockStart + 8 * lane + byte]) << UInt64(8 * byte) }
                state[lane] ^= value
            }
            permute(&state)
        }
        return (0..<32).map { UInt8(truncatingIfNeeded: state[$0 / 8] >> UInt64(8 * ($0 % 8))) }
    }

    private static func permute(_ a: inout [UInt64]) {
        var b = [UInt64](repeating: 0, count: 25)
        var c = [UInt64](repeating: 0, count: 5)
        for round in 0..<24 {
            // θ
            for x in 0..<5 { c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20] }
            for x in 0..<5 {
                let d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1)
                for y in 0..<5 { a[x + 5 * y] ^= d }
            }
            // ρ and π: B[y, 2x + 3y] = rot(A[x, y], r[x, y])
            for x in 0..<5 {
                for y in 0..<5 { b[y + 5 * ((2 * x + 3 * y) % 5)] = rotl(a[x + 5 * y], rotationOffsets[x + 5 * y]) }
            }
            // χ
            for y in 0..<5 {
                for x in 0..<5 { a[x + 5 * y] = b[x + 5 * y] ^ (~b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]) }
            }
            // ι
            a[0] ^= roundConstants[round]
        }
    }

    private static func rotl(_ value: UInt64, _ count: UInt64) -> UInt64 {
        count == 0 ? value : (value << count) | (value >> (64 - count))
    }
}
