/// The arithmetic checks of the numeric formats. Inputs are digit values (0…9) or ASCII bytes as noted.
enum PIIChecksums {
    /// Luhn (ISO/IEC 7812-1 annex B): doubling every second digit from the right, the sum is a multiple of 10.
    static func luhnIsValid(_ digits: [UInt8]) -> Bool {
        guard digits.count >= 2 else { return false }
        var sum = 0
        for (offset, digit) in digits.reversed().enumerated() {
            var value = Int(digit)
            if offset % 2 == 1 {
                value *= 2
                if value > 9 { value -= 9 }
            }
            sum += value
        }
        return sum % 10 == 0
    }

    /// ISO 13616 / ISO 7064 MOD 97-10 on an uppercase alphanumeric IBAN (ASCII): move the first four characters
    /// to the end, read letters as 10…35, and the number modulo 97 is 1.
    static func ibanIsValid(_ iban: [UInt8]) -> Bool {
        guard iban.count > 4 else { return false }
        var remainder = 0
        for byte in iban[4...] + iban[..<4] {
            if byte.isDigit {
                remainder = (remainder * 10 + byte.digitValue) % 97
            } else if byte.isUppercaseLetter {
                remainder = (remainder * 100 + Int(byte - 0x41) + 10) % 97
            } else {
                return false
            }
        }
        return remainder == 1
    }

    /// NHS number (England, Wales, Isle of Man): 10 digits, the first nine weighted 10…2, `11 - sum mod 11` is the
    /// tenth digit (11 means 0, 10 means the number is invalid).
    static func nhsNumberIsValid(_ digits: [UInt8]) -> Bool {
        guard digits.count == 10 else { return false }
        var sum = 0
        for index in 0..<9 { sum += Int(digits[index]) * (10 - index) }
        let check = 11 - sum % 11
        if check == 10 { return false }
        return (check == 11 ? 0 : check) == Int(digits[9])
    }
}
