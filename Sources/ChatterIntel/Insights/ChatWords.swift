/// One word of a chat message as the insight and summary rules match it: ASCII lowercased, curly apostrophes made
/// straight, a redaction token kept whole ("[email]").
struct ChatWord: Sendable, Equatable {
    var text: String
    /// The value of a word made of digits ("3", "48", "2.5"); durations and ticket numbers are read from it.
    var number: Double?
    /// Followed by , ; : . ! ? … or a line break. Phrases and look-back windows do not cross it.
    var endsClause: Bool
}

/// A message split into words in one pass over its UTF-8 bytes. A word is assembled in a buffer on the stack, so
/// the only allocations are the word array and words longer than the 15 bytes Swift stores inline.
struct ChatWords: Sendable {
    private(set) var words: [ChatWord] = []
    private(set) var questionMarks = 0

    /// Bytes kept of one word; the rest of a longer one (a hash, a run of letters) is dropped. No phrase or rule
    /// word comes near it.
    static let longestWord = 64

    init(_ text: some StringProtocol) {
        (words, questionMarks) = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.longestWord) { buffer in
            var scanner = Scanner(word: buffer)
            if text.utf8.withContiguousStorageIfAvailable({ scanner.scan($0) }) == nil {
                Array(text.utf8).withUnsafeBufferPointer { scanner.scan($0) }
            }
            return (scanner.words, scanner.questionMarks)
        }
    }

    private struct Scanner {
        var words: [ChatWord] = []
        var questionMarks = 0
        let word: UnsafeMutableBufferPointer<UInt8>
        var length = 0
        var digitsOnly = true

        init(word: UnsafeMutableBufferPointer<UInt8>) {
            self.word = word
        }

        mutating func scan(_ bytes: UnsafeBufferPointer<UInt8>) {
            // About one word per six bytes in English chat: growing the array once or not at all.
            words.reserveCapacity(bytes.count / 5 + 1)
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case 0x41...0x5A:
                    append(byte | 0x20)
                case 0x61...0x7A, 0x30...0x39:
                    append(byte)
                case UInt8(ascii: "'"):
                    appendApostrophe()
                case UInt8(ascii: "."), UInt8(ascii: ","):
                    // "2.5" and "1,000" are one number; anywhere else the mark ends a clause.
                    if digitsOnly, length > 0, index + 1 < bytes.count, (0x30...0x39).contains(bytes[index + 1]) {
                        if byte == UInt8(ascii: ".") { append(byte) }
                    } else {
                        endClause()
                    }
                case UInt8(ascii: "?"):
                    questionMarks += 1
                    endClause()
                case UInt8(ascii: "!"), UInt8(ascii: ";"), UInt8(ascii: ":"), 0x0A, 0x0D:
                    endClause()
                case UInt8(ascii: "["):
                    if let end = redactionTokenEnd(in: bytes, from: index) {
                        flush()
                        for byte in bytes[index...end] {
                            append((0x41...0x5A).contains(byte) ? byte | 0x20 : byte)
                        }
                        flush()
                        index = end
                    } else {
                        flush()
                    }
                case 0xC2:
                    // U+0080 ... U+00BF: no-break space, « », ¡ ¿, © and the like separate words.
                    flush()
                    index += 2
                    continue
                case 0xE2:
                    index = scanGeneralPunctuation(bytes, at: index)
                    continue
                case 0xEF, 0xF0...0xF4:
                    // Emoji, variation selectors and fullwidth forms: separators, so "thanks😀" is "thanks".
                    flush()
                    index += byte >= 0xF0 ? 4 : 3
                    continue
                case 0x80...:
                    append(byte)
                default:
                    flush()
                }
                index += 1
            }
            flush()
        }

        /// U+2000 ... U+2FFF start with 0xE2: curly apostrophes join a word, "…" ends a clause, the rest (dashes,
        /// quotes, arrows, symbols) separate words.
        private mutating func scanGeneralPunctuation(_ bytes: UnsafeBufferPointer<UInt8>, at index: Int) -> Int {
            guard index + 2 < bytes.count else {
                flush()
                return bytes.count
            }
            switch (bytes[index + 1], bytes[index + 2]) {
            case (0x80, 0x98), (0x80, 0x99): appendApostrophe()
            case (0x80, 0xA6): endClause()
            default: flush()
            }
            return index + 3
        }

        /// The index of the "]" closing a redaction token ("[EMAIL]", "[PAYMENT_CARD]") that starts at `start`.
        private func redactionTokenEnd(in bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
            var index = start + 1
            while index < bytes.count, index - start <= 24 {
                let byte = bytes[index]
                if byte == UInt8(ascii: "]") { return index > start + 1 ? index : nil }
                guard (0x41...0x5A).contains(byte) || byte == UInt8(ascii: "_") else { return nil }
                index += 1
            }
            return nil
        }

        private mutating func append(_ byte: UInt8) {
            if byte < 0x30 || byte > 0x39, byte != UInt8(ascii: ".") { digitsOnly = false }
            guard length < word.count else { return }
            word[length] = byte
            length += 1
        }

        /// An apostrophe inside a word ("can't") is kept; one that opens a word is a quote mark.
        private mutating func appendApostrophe() {
            guard length > 0 else { return }
            append(UInt8(ascii: "'"))
        }

        private mutating func endClause() {
            flush()
            if !words.isEmpty { words[words.count - 1].endsClause = true }
        }

        private mutating func flush() {
            while length > 0, word[length - 1] == UInt8(ascii: "'") { length -= 1 }
            defer {
                length = 0
                digitsOnly = true
            }
            guard length > 0 else { return }
            let text = String(decoding: UnsafeBufferPointer(rebasing: word[..<length]), as: UTF8.self)
            words.append(ChatWord(text: text, number: digitsOnly ? Double(text) : nil, endsClause: false))
        }
    }
}
