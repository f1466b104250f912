/// Base58Check (legacy P2PKH `1…` and P2SH `3…` addresses): version byte, 20-byte hash, and the first four bytes
/// of SHA-256(SHA-256(version + hash)) as checksum.
enum Base58Check {
    private static let alphabet = Array("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, character) in alphabet.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()

    static func isBase58(_ unit: UInt8) -> Bool {
        unit < 128 && values[Int(unit)] >= 0
    }

    /// The decoded payload (version byte and hash) of a valid Base58Check string, or nil.
    static func decode(_ text: [UInt8]) -> [UInt8]? {
        var bytes: [UInt8] = []  // big-endian, built by bytes = bytes * 58 + digit
        for character in text {
            guard isBase58(character) else { return nil }
            var carry = Int(values[Int(character)])
            for index in stride(from: bytes.count - 1, through: 0, by: -1) {
                carry += Int(bytes[index]) * 58
                bytes[index] = UInt8(carry & 0xFF)
                carry >>= 8
            }
            while carry > 0 {
                bytes.insert(UInt8(carry & 0xFF), at: 0)
                carry >>= 8
            }
        }
        let leadingZeros = text.prefix { $0 == alphabet[0] }.count
        let decoded = [UInt8](repeating: 0, count: leadingZeros) + bytes
        guard decoded.count > 4 else { return nil }
        let payload = Array(decoded.dropLast(4))
        let checksum = SHA256.hash(SHA256.hash(payload)).prefix(4)
        return Array(checksum) == Array(decoded.suffix(4)) ? payload : nil
    }
}

/// Bech32 (BIP-173, segwit v0) and Bech32m (BIP-350, segwit v1+) addresses: human-readable part, `1`, data in a
/// 32-character alphabet, and a six-character BCH checksum.
enum Bech32 {
    private static let charset = Array("qpzry9x8gf2tvdw0s3jn54khce6mua7l".utf8)
    private static let values: [Int8] = {
        var table = [Int8](repeating: -1, count: 128)
        for (value, character) in charset.enumerated() { table[Int(character)] = Int8(value) }
        return table
    }()
    private static let bech32Constant: UInt32 = 1
    private static let bech32mConstant: UInt32 = 0x2bc8_30a3

    /// Whether `address` (lowercase) is a valid segwit address for human-readable part `hrp`.
    static func isValidSegwitAddress(_ address: [UInt8], hrp: [UInt8]) -> Bool {
        guard address.count <= 90, address.count >= hrp.count + 8, Array(address.prefix(hrp.count)) == hrp, address[hrp.count] == 0x31
        else { return false }
        var data: [UInt8] = []
        for character in address[(hrp.count + 1)...] {
            guard character < 128, values[Int(character)] >= 0 else { return false }
            data.append(UInt8(values[Int(character)]))
        }
        let expanded = hrp.map { $0 >> 5 } + [0] + hrp.map { $0 & 31 }
        let checksum = polymod(expanded + data)
        let witnessVersion = data[0]
        guard witnessVersion <= 16, checksum == (witnessVersion == 0 ? bech32Constant : bech32mConstant),
            let program = regroup(Array(data[1..<(data.count - 6)]))
        else { return false }
        return (2...40).contains(program.count) && (witnessVersion != 0 || program.count == 20 || program.count == 32)
    }

    private static func polymod(_ values: [UInt8]) -> UInt32 {
        let generators: [UInt32] = [0x3b6a_57b2, 0x2650_8e6d, 0x1ea1_19fa, 0x3d42_33dd, 0x2a14_62b3]
        var checksum: UInt32 = 1
        for value in values {
            let top = checksum >> 25
            checksum = (checksum & 0x1ff_ffff) << 5 ^ UInt32(value)
            for bit in 0..<5 where (top >> UInt32(bit)) & 1 == 1 { checksum ^= generators[bit] }
        }
        return checksum
    }

    /// 5-bit groups to bytes; leftover padding must be under 5 bits and zero.
    private static func regroup(_ data: [UInt8]) -> [UInt8]? {
        var accumulator: UInt32 = 0
        var bits = 0
        var bytes: [UInt8] = []
        for value in data {
            accumulator = accumulator << 5 | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                bytes.append(UInt8((accumulator >> UInt32(bits)) & 0xFF))
            }
        }
        guard bits < 5, (accumulator << UInt32(8 - bits)) & 0xFF == 0 else { return nil }
        return bytes
    }
}
