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
        // 8-4-4-4-12 hexadecimal digits.
        var text: [UInt8] = []
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if [4, 6, 8, 10].contains(index) { text.append(UInt8(ascii: "-")) }
            text.append(Hex.digit(byte >> 4))
            text.append(Hex.digit(byte & 0x0F))
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `text` has the shape `make` writes: 8-4-4-4-12 lowercase hexadecimal digits.
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 36 else { return false }
        return bytes.enumerated().allSatisfy { index, byte in
            [8, 13, 18, 23].contains(index) ? byte == UInt8(ascii: "-") : (48...57).contains(byte) || (97...102).contains(byte)
        }
    }
}
