/// International Bank Account Numbers (ISO 13616): country code, two check digits and the country's BBAN, in the
/// electronic form or the print form with spaces every four characters, of the length the country registers, and
/// passing MOD 97-10. Lowercase IBANs are accepted at a lower confidence.
struct IBANRecognizer: PIIRecognizer {
    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        let text = scan.text
        var index = 0
        while index + 4 <= text.count {
            guard text[index].isASCIILetter, text.isWordStart(index), text[index + 1].isASCIILetter, text[index + 2].isDigit, text[index + 3].isDigit,
                let candidate = iban(at: index, in: text)
            else {
                index += 1
                continue
            }
            candidates.append(candidate)
            index = candidate.range.upperBound
        }
    }

    private func iban(at start: Int, in text: PIIText) -> PIICandidate? {
        let country = String(decoding: [text[start].uppercasedASCII, text[start + 1].uppercasedASCII], as: UTF8.self)
        guard let length = Self.lengths[country] else { return nil }
        var characters: [UInt8] = []
        characters.reserveCapacity(length)
        var position = start
        var hasLowercase = false
        var hasUppercase = false
        while characters.count < length {
            let unit = text[position]
            if unit.isASCIIAlphanumeric {
                hasLowercase = hasLowercase || unit.isLowercaseLetter
                hasUppercase = hasUppercase || unit.isUppercaseLetter
                characters.append(unit.uppercasedASCII)
                position += 1
            } else if unit == 0x20 && text[position + 1].isASCIIAlphanumeric && !characters.isEmpty {
                position += 1  // the print form's group separator
            } else {
                return nil
            }
        }
        guard text.isWordEnd(position), !(hasLowercase && hasUppercase), PIIChecksums.ibanIsValid(characters) else { return nil }
        let value = String(decoding: characters, as: UTF8.self)
        return PIICandidate(
            type: .iban, range: start..<position, confidence: hasLowercase ? 0.75 : 0.85, normalizedValue: value,
            preview: country + "**" + value.suffix(4)
        )
    }

    /// IBAN lengths by country, from the SWIFT IBAN registry.
    static let lengths: [String: Int] = [
        "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
        "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
        "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
        "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
        "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15,
        "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19,
        "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
    ]
}
