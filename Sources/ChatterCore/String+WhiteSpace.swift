extension StringProtocol {
    /// The text without leading and trailing white space (Unicode's `White_Space`: spaces, tabs, line breaks), as
    /// `trimmingCharacters(in: .whitespacesAndNewlines)` gives it but without Foundation: every request trims its key
    /// and model name, and most have nothing to trim.
    public func trimmingWhiteSpace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        let last = scalars.lastIndex(where: { !$0.properties.isWhitespace })!
        if first == scalars.startIndex && scalars.index(after: last) == scalars.endIndex { return String(self) }
        var trimmed = String.UnicodeScalarView()
        trimmed.append(contentsOf: scalars[first...last])
        return String(trimmed)
    }

    /// Whether the text is empty or only white space.
    public var isBlank: Bool {
        unicodeScalars.allSatisfy(\.properties.isWhitespace)
    }
}
