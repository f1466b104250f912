/// "waiting for 3 days", "two weeks ago", "48h now": a number, a unit of time, and a word that makes the span a
/// wait rather than a plan ("in 2 days", "within 24 hours", "on vacation for 2 weeks" are not waits).
enum WaitingTimeRule {
    /// From this long a wait makes a conversation high urgency; from `mediumHours` medium.
    static let highHours = 72.0
    static let mediumHours = 0.5

    static let unitHours: [String: Double] = [
        "minute": 1.0 / 60, "minutes": 1.0 / 60, "min": 1.0 / 60, "mins": 1.0 / 60, "hour": 1, "hours": 1, "hr": 1, "hrs": 1,
        "day": 24, "days": 24, "week": 168, "weeks": 168, "wk": 168, "wks": 168, "month": 720, "months": 720, "year": 8_760,
        "years": 8_760,
    ]
    /// Units written straight after the digits ("48h", "3d"); the single letters only count there.
    static let suffixHours: [String: Double] = unitHours.merging(["h": 1, "d": 24, "w": 168]) { first, _ in first }

    /// Number words, tens included ("twenty four" is read as tens and ones).
    static let numberWords: [String: Double] = [
        "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
        "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
        "sixty": 60, "ninety": 90, "couple": 2, "few": 3, "several": 3, "many": 5,
    ]
    /// Words allowed between the number and the unit: "3 whole days", "a couple of business days".
    static let fillers: Set<String> = ["whole", "full", "entire", "business", "working", "more", "long", "straight", "of", "consecutive"]
    /// Words before the number that make the span a wait, within five words ("been on the phone for 2 hours").
    static let leadIns: Set<String> = [
        "since", "waiting", "waited", "wait", "been", "over", "past", "last", "already", "almost", "nearly", "than", "took",
        "taking",
    ]
    /// "for" only makes a wait after a word of something stuck or missing, within three words before it: "down for
    /// 2 hours", "nothing for a week", "haven't heard anything for days"; not "on vacation for 2 weeks".
    static let stuckWords: Set<String> = [
        "down", "broken", "stuck", "hold", "trying", "tried", "nothing", "still", "pending", "open", "unresolved", "delayed",
        "late", "not", "no", "can't", "cannot", "haven't", "hasn't", "isn't", "doesn't", "didn't", "won't", "problem",
        "issue", "happening", "offline", "locked", "failing", "crashing", "outage", "missing",
    ]
    /// Words right after the unit that do the same: "two weeks ago", "3 days now".
    static let followers: Set<String> = ["ago", "now", "already", "later", "straight"]

    static func waits(in text: InsightText) -> [UrgencyRules.Finding] {
        var findings: [UrgencyRules.Finding] = []
        var index = 0
        while index < text.count {
            guard let (count, afterNumber) = number(in: text, at: index), let (hours, unitIndex) = unit(in: text, from: afterNumber, suffixAt: index),
                isWait(text, numberAt: index, unitAt: unitIndex)
            else {
                index += 1
                continue
            }
            let waited = count * hours
            if waited >= mediumHours {
                let start = index > 0 && text.words[index - 1].text == "a" && !text.words[index - 1].endsClause ? index - 1 : index
                let level: Urgency = waited >= highHours ? .high : .medium
                let reason = UrgencyReason(kind: .waitingTime, detail: "waiting " + text.phrase(start...unitIndex))
                findings.append(UrgencyRules.Finding(level: level, reason: reason))
            }
            index = unitIndex + 1
        }
        return findings
    }

    /// The number at `index` and the index after it: digits, a number word, or tens and ones ("twenty four"). For
    /// digits with the unit glued on ("48h") the index after it is `index` itself.
    private static func number(in text: InsightText, at index: Int) -> (Double, Int)? {
        let word = text.words[index]
        if let value = word.number { return (value, index + 1) }
        if let first = word.text.utf8.first, (0x30...0x39).contains(first) {
            return leadingDigits(of: word.text).map { ($0.value, index) }
        }
        guard text.traits[index].contains(.numberWord), let value = numberWords[word.text] else { return nil }
        if value >= 20, value.truncatingRemainder(dividingBy: 10) == 0, text.continues(after: index), text.traits[index + 1].contains(.numberWord),
            let ones = numberWords[text.words[index + 1].text], ones < 10
        {
            return (value + ones, index + 2)
        }
        return (value, index + 1)
    }

    /// The unit at `start`, after at most two fillers; or, when the number was written with its unit ("48h"),
    /// the unit glued to the digits at `suffixAt`.
    private static func unit(in text: InsightText, from start: Int, suffixAt numberIndex: Int) -> (Double, Int)? {
        if start == numberIndex {
            guard let suffix = leadingDigits(of: text.words[numberIndex].text)?.suffix, let hours = suffixHours[suffix] else { return nil }
            return (hours, numberIndex)
        }
        var position = start
        while position < text.count, position - start <= 2, !text.words[position - 1].endsClause {
            if text.traits[position].contains(.unit), let hours = unitHours[text.words[position].text] { return (hours, position) }
            guard text.traits[position].contains(.durationFiller) else { return nil }
            position += 1
        }
        return nil
    }

    private static func isWait(_ text: InsightText, numberAt index: Int, unitAt unitIndex: Int) -> Bool {
        if text.lastBefore(index, within: 5, where: { text.traits[$0].contains(.waitLeadIn) }) != nil { return true }
        if let forIndex = text.lastBefore(index, within: 3, where: { text.words[$0].text == "for" }),
            text.lastBefore(forIndex, within: 3, where: { text.traits[$0].contains(.stuck) }) != nil
        {
            return true
        }
        return text.continues(after: unitIndex) && text.traits[unitIndex + 1].contains(.waitFollower)
    }

    /// "48h" → (48, "h"); nil unless the word is digits followed by letters.
    private static func leadingDigits(of word: String) -> (value: Double, suffix: String)? {
        let utf8 = word.utf8
        guard let first = utf8.first, (0x30...0x39).contains(first) else { return nil }
        guard let split = utf8.firstIndex(where: { !(0x30...0x39).contains($0) }) else { return nil }
        guard let value = Double(String(word[..<split])) else { return nil }
        return (value, String(word[split...]))
    }
}
