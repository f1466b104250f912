/// The text being analysed, as UTF-16 code units (entity ranges are UTF-16 offsets) and as an ASCII projection of
/// the same length that the scanners read. Every recognized format is ASCII, so the projection keeps ASCII as is,
/// folds look-alike separators (no-break and thin spaces, Unicode dashes) to their ASCII form, and reduces every
/// other unit to one of two markers: a letter of some script (it glues words together) or anything else.
struct PIIText {
    static let otherLetter: UInt8 = 0x80
    static let otherSymbol: UInt8 = 0x81

    let utf16: [UInt16]
    let ascii: [UInt8]

    init(_ string: String) {
        utf16 = Array(string.utf16)
        ascii = utf16.map(PIIText.project)
    }

    var count: Int { ascii.count }

    /// The projected unit at `index`, or 0 outside the text (so look-behind and look-ahead need no bounds checks).
    subscript(index: Int) -> UInt8 {
        index >= 0 && index < ascii.count ? ascii[index] : 0
    }

    /// The projected (ASCII) text of a range; use for ranges the recognizer has checked are ASCII.
    func slice(_ range: Range<Int>) -> String {
        String(decoding: ascii[range], as: UTF8.self)
    }

    /// The original text of a range.
    func original(_ range: Range<Int>) -> String {
        String(decoding: utf16[range], as: UTF16.self)
    }

    /// True when `index` starts a token: the unit before it cannot continue a word.
    func isWordStart(_ index: Int) -> Bool {
        !self[index - 1].isWordUnit
    }

    /// True when a token ending before `index` is not glued to a following word.
    func isWordEnd(_ index: Int) -> Bool {
        !self[index].isWordUnit
    }

    private static func project(_ unit: UInt16) -> UInt8 {
        if unit < 0x80 { return UInt8(unit) }
        switch unit {
        case 0xA0, 0x2000...0x200A, 0x202F: return 0x20  // no-break, en/em, thin and narrow spaces
        case 0x2010...0x2015, 0x2212: return 0x2D  // hyphens, dashes, minus sign
        case 0xC0...0xFF where unit != 0xD7 && unit != 0xF7: return otherLetter
        case 0x100...0x24F, 0x370...0x52F, 0x5D0...0x6FF, 0x3040...0x30FF, 0x4E00...0x9FFF, 0xAC00...0xD7A3:
            return otherLetter
        default: return otherSymbol
        }
    }
}

extension UInt8 {
    var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    var isASCIILetter: Bool { (self | 0x20) >= 0x61 && (self | 0x20) <= 0x7A }
    var isASCIIAlphanumeric: Bool { isDigit || isASCIILetter }
    var isUppercaseLetter: Bool { self >= 0x41 && self <= 0x5A }
    var isLowercaseLetter: Bool { self >= 0x61 && self <= 0x7A }
    /// Letters of any script count as letters for word boundaries.
    var isLetter: Bool { isASCIILetter || self == PIIText.otherLetter }
    /// Units that continue a word: letters, digits and underscore.
    var isWordUnit: Bool { isLetter || isDigit || self == 0x5F }
    var isHexDigit: Bool { isDigit || ((self | 0x20) >= 0x61 && (self | 0x20) <= 0x66) }
    var lowercasedASCII: UInt8 { isUppercaseLetter ? self | 0x20 : self }
    var uppercasedASCII: UInt8 { isLowercaseLetter ? self & 0xDF : self }
    var digitValue: Int { Int(self) - 0x30 }
}

extension Array where Element == UInt8 {
    /// Digit values (0…9) as a string of ASCII digits.
    var digitString: String { String(decoding: map { $0 + 0x30 }, as: UTF8.self) }
}
