/// Cryptocurrency addresses, each verified by its checksum where the format has one:
/// Bitcoin Base58Check (`1…`, `3…`; double SHA-256), Bitcoin segwit (`bc1…`; Bech32 / Bech32m), and Ethereum
/// (`0x` + 40 hex digits). Mixed-case Ethereum addresses must pass EIP-55 (Keccak-256); all-lowercase and
/// all-uppercase ones carry no checksum and are accepted at a lower confidence.
struct CryptoWalletRecognizer: PIIRecognizer {
    func collect(in scan: PIIScan, into candidates: inout [PIICandidate]) {
        let text = scan.text
        var index = 0
        while index < text.count {
            guard text[index].isASCIIAlphanumeric, text.isWordStart(index) else {
                index += 1
                continue
            }
            var end = index
            while text[end].isASCIIAlphanumeric { end += 1 }
            defer { index = end }
            guard text.isWordEnd(end), end - index >= 26, end - index <= 90 else { continue }
            let token = Array(text.ascii[index..<end])
            if let (confidence, value) = classify(token) {
                let preview = String(decoding: token.prefix(4), as: UTF8.self) + "…" + String(decoding: token.suffix(4), as: UTF8.self)
                candidates.append(
                    PIICandidate(type: .cryptoWallet, range: index..<end, confidence: confidence, normalizedValue: value, preview: preview)
                )
            }
        }
    }

    private func classify(_ token: [UInt8]) -> (confidence: Double, normalized: String)? {
        let string = String(decoding: token, as: UTF8.self)
        if token.count == 42 && token[0] == 0x30 && token[1].lowercasedASCII == 0x78 {
            return ethereum(Array(token[2...])).map { ($0, "eth:" + string.lowercased()) }
        }
        if token.count >= 14 && token.prefix(3).map(\.lowercasedASCII) == Array("bc1".utf8) {
            let lowered = token.map(\.lowercasedASCII)
            let uniformCase = token == lowered || token == token.map(\.uppercasedASCII)
            guard uniformCase, Bech32.isValidSegwitAddress(lowered, hrp: Array("bc".utf8)) else { return nil }
            return (0.95, "btc:" + string.lowercased())
        }
        if (token[0] == 0x31 || token[0] == 0x33) && token.count <= 35, let payload = Base58Check.decode(token),
            payload.count == 21, payload[0] == 0x00 || payload[0] == 0x05
        {
            return (0.95, "btc:" + string)
        }
        return nil
    }

    /// EIP-55: hex letter i is uppercase exactly when nibble i of Keccak-256(lowercase hex) is 8 or more.
    private func ethereum(_ hex: [UInt8]) -> Double? {
        guard hex.allSatisfy(\.isHexDigit) else { return nil }
        let lowered = hex.map(\.lowercasedASCII)
        if hex == lowered || hex == hex.map(\.uppercasedASCII) { return 0.75 }
        let digest = Keccak256.hash(lowered)
        for (index, character) in hex.enumerated() where character.isASCIILetter {
            let nibble = index % 2 == 0 ? digest[index / 2] >> 4 : digest[index / 2] & 0x0F
            guard character.isUppercaseLetter == (nibble >= 8) else { return nil }
        }
        return 0.95
    }
}
