import Foundation

/// Time-ordered identifiers (UUIDv7, RFC 9562 §5.7) as lowercase strings.
/// Ordering by id is ordering by creation time, which cursor pagination relies on.
public enum Identifier {
    public static func make(at date: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = UInt16(truncatingIfNeeded: generator.next() as UInt64)
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> (8 * (5 - UInt64(index))))
        }
        for index in 0..<8 {
            bytes[6 + index] = UInt8(truncatingIfNeeded: high >> (8 * UInt64(index)))
        }
        bytes[14] = UInt8(truncatingIfNeeded: low >> 8)
        bytes[15] = UInt8(truncatingIfNeeded: low)
        bytes[6] = (bytes[6] & 0x0F) | 0x70  // version 7
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant
        let hex = Array(Hex.lowercase(bytes).utf8)
        // 8-4-4-4-12
        var text = hex[0..<8] + [UInt8(ascii: "-")] + hex[8..<12] + [UInt8(ascii: "-")] + hex[12..<16]
        text += [UInt8(ascii: "-")] + hex[16..<20] + [UInt8(ascii: "-")] + hex[20..<32]
        return String(decoding: text, as: UTF8.self)
    }
}
