import ChatterIntel
import Foundation

// ROUGE-L F1 of the offline extractive summarizer against reference summaries written for this benchmark (a support
// lead's two or three sentences per dialogue), next to the lead-3 baseline: the dialogue's first three sentences.
// ROUGE rewards length, so mean lengths are printed too, and each of ours is also compared with the dialogue's first
// words cut to its own length. Usage: summary-bench [dialogues.json]; by default the file next to this source.

struct Dialogue: Decodable {
    struct Turn: Decodable {
        var role: SpeakerRole
        var text: String
    }

    var id: String
    var turns: [Turn]
    var reference: String
}

/// One way of turning a dialogue into a summary text.
struct System {
    var name: String
    var summarize: (Dialogue) -> String
}

func summary(of dialogue: Dialogue) -> ConversationSummary {
    let messages = dialogue.turns.enumerated().map { index, turn in
        SummaryInput(seq: Int64(index + 1), role: turn.role, text: turn.text)
    }
    return ExtractiveSummarizer().adding(messages, to: SummaryState()).summary
}

/// The first `count` sentences of the turns in order; a sentence ends at ".", "!" or "?" followed by white space.
func lead(_ count: Int, of dialogue: Dialogue) -> String {
    let text = dialogue.turns.map(\.text).joined(separator: " ")
    var found = 0
    var index = text.startIndex
    while index != text.endIndex {
        let next = text.index(after: index)
        if ".!?".contains(text[index]), next == text.endIndex || text[next].isWhitespace {
            found += 1
            if found == count { return String(text[..<next]) }
        }
        index = next
    }
    return text
}

/// Words as ROUGE-L counts them: runs of ASCII letters and digits.
func words(_ text: String) -> [Substring] {
    text.split { !($0.isASCII && ($0.isLetter || $0.isNumber)) }
}

/// The dialogue's first `count` words: a lead baseline as long as the summary it is compared with.
func leadWords(_ count: Int, of dialogue: Dialogue) -> String {
    words(dialogue.turns.map(\.text).joined(separator: " ")).prefix(count).joined(separator: " ")
}

func mean(_ values: [Double]) -> Double {
    values.reduce(0, +) / Double(values.count)
}

func pad(_ text: String, _ width: Int) -> String {
    text.count >= width ? text + " " : text + String(repeating: " ", count: width - text.count)
}

func format(_ value: Double, digits: Int = 3) -> String {
    String(format: "%.\(digits)f", value)
}

let arguments = CommandLine.arguments
let path = arguments.count > 1 ? arguments[1] : URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("dialogues.json").path
guard let data = FileManager.default.contents(atPath: path) else {
    print("usage: summary-bench [dialogues.json] (cannot read \(path))")
    exit(2)
}
let dialogues = try JSONDecoder().decode([Dialogue].self, from: data)

let ours = [
    System(name: "ours (sections)") { dialogue in
        let sections = summary(of: dialogue)
        return ([sections.tldr, sections.customerIssue, sections.agentResponse] + sections.nextSteps)
            .filter { !$0.isEmpty }.joined(separator: " ")
    },
    System(name: "ours (key points)") { summary(of: $0).keyPoints.joined(separator: " ") },
]
let systems = ours + [System(name: "lead-3") { lead(3, of: $0) }]

// texts[system][dialogue], and so scores and lengths.
let texts = systems.map { dialogues.map($0.summarize) }
let scores = texts.map { zip($0, dialogues).map { RougeL.f1(candidate: $0, reference: $1.reference) } }
let lengths = texts.map { $0.map { Double(words($0).count) } }
let leadScores = scores[ours.count]

print("summary-bench: \(ExtractiveSummarizer.engine) summarizer vs lead-3, ROUGE-L F1 against \(dialogues.count) hand-written references")
print("sections: tldr, customerIssue, agentResponse and nextSteps joined; key points: keyPoints joined")
print("")
print(pad("dialogue", 32) + systems.map { pad($0.name, 20) }.joined())
for (index, dialogue) in dialogues.enumerated() {
    print(pad(dialogue.id, 32) + systems.indices.map { pad(format(scores[$0][index]), 20) }.joined())
}
print("")
print(pad("system", 20) + pad("mean F1", 10) + pad("mean words", 12) + "beats lead-3")
for (index, system) in systems.enumerated() {
    let wins = zip(scores[index], leadScores).filter { $0 > $1 }.count
    let beats = index < ours.count ? "\(wins)/\(dialogues.count)" : "-"
    print(pad(system.name, 20) + pad(format(mean(scores[index])), 10) + pad(format(mean(lengths[index]), digits: 1), 12) + beats)
}
print(pad("reference", 20) + pad("-", 10) + format(mean(dialogues.map { Double(words($0.reference).count) }), digits: 1))
print("")
print("lead cut to our length (the dialogue's first words, as many as ours has on each dialogue):")
for (index, system) in ours.enumerated() {
    let matched = zip(texts[index], dialogues).map { text, dialogue in
        RougeL.f1(candidate: leadWords(words(text).count, of: dialogue), reference: dialogue.reference)
    }
    let wins = zip(scores[index], matched).filter { $0 > $1 }.count
    print(pad(system.name, 20) + "lead mean F1 \(format(mean(matched))); ours beats it on \(wins)/\(dialogues.count)")
}
