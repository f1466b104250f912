/// A possible entity before context scoring, overlap resolution and hashing.
struct PIICandidate {
    var type: PIIType
    var range: Range<Int>
    /// How strong the recognizer's own validation is (checksums score high, shape-only matches low).
    var confidence: Double
    /// The canonical form that identifies the value (digits only for numbers, lowercase for emails…).
    /// It is hashed and dropped; it never leaves the detector.
    var normalizedValue: String
    var preview: String?
}

/// The text plus what several recognizers share, computed once per analysis.
struct PIIScan {
    let text: PIIText
    let numberRuns: [PIINumberRun]

    init(_ text: PIIText) {
        self.text = text
        self.numberRuns = PIINumberRun.runs(in: text)
    }
}

/// One kind of recognizer. Each scans the text once (linear time, no backtracking) and appends what it finds;
/// it rejects values whose checksum or structure is wrong, and leaves context to `PIIContextRule`.
protocol PIIRecognizer: Sendable {
    func collect(in scan: PIIScan, into candidates: inout [PIICandidate])
}
