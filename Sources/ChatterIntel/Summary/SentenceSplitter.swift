/// Splits a message into sentences: after ".", "!" or "?" (with any closing quotes or brackets) followed by white
/// space, and at line breaks. A mark followed by anything else ("3.5", "v2.1", "[EMAIL].com") does not split.
enum SentenceSplitter {
    static func sentences(of text: String) -> [Substring] {
        let utf8 = text.utf8
        var sentences: [Substring] = []
        var start = utf8.startIndex
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == 0x0A || byte == 0x0D {
                append(text[start..<index], to: &sentences)
                index = utf8.index(after: index)
                start = index
                continue
            }
            if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "!") || byte == UInt8(ascii: "?") {
                var end = utf8.index(after: index)
                while end != utf8.endIndex, closers.contains(utf8[end]) {
                    end = utf8.index(after: end)
                }
                if end == utf8.endIndex || utf8[end] == 0x20 || utf8[end] == 0x09 {
                    append(text[start..<end], to: &sentences)
                    start = end
                }
                index = end
                continue
            }
            index = utf8.index(after: index)
        }
        append(text[start...], to: &sentences)
        return sentences
    }

    private static let closers: Set<UInt8> = Set(".!?)]\"'".utf8)

    /// Appends the sentence without surrounding ASCII white space; boundaries are ASCII, so trimming bytes is
    /// enough and much cheaper than Unicode's `isWhitespace`.
    private static func append(_ sentence: Substring, to sentences: inout [Substring]) {
        let utf8 = sentence.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }), let last = utf8.lastIndex(where: { !isSpace($0) }) else { return }
        sentences.append(sentence[first...last])
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || (0x09...0x0D).contains(byte)
    }
}
