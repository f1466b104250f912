import ChatterIntel
import Foundation

// pii-bench: quality and speed of the offline PII engine.
//
//   pii-bench [messages] [seed]      generated dataset (default 2500 messages, seed 20251121) and two hand-written sets
//   pii-bench … --errors             also print every message whose predicted spans differ from the gold spans
//   pii-bench --probe "text" …       print what the detector finds in each text, with confidences (threshold 0)

let arguments = CommandLine.arguments
if arguments.count > 2 && arguments[1] == "--probe" {
    for text in arguments.dropFirst(2) {
        let result = PIIDetector(threshold: 0).analyze(text)
        print(result.redactedText)
        for entity in result.entities { print("  \(entity.type.rawValue) \(entity.range) \(entity.confidence)") }
    }
    exit(0)
}
let numbers = arguments.dropFirst().filter { !$0.hasPrefix("--") }
let messageCount = numbers.first.flatMap { Int($0) } ?? 2500
let seed = numbers.dropFirst().first.flatMap { UInt64($0) } ?? 20_251_121
let printErrors = arguments.contains("--errors")

var generator = ChatMessageGenerator(seed: seed)
let dataset = generator.dataset(count: messageCount)
let handWritten = HandWrittenMessages.messages()
let detector = PIIDetector()

print("pii-bench — offline PII engine, threshold \(detector.threshold)")
print("span matching: exact (same type, same UTF-16 range); f1(overlap) counts same type with an intersection ≥ 50% of the longer span")
print("")
let goldCount = dataset.reduce(0) { $0 + $1.gold.count }
let negativeCount = dataset.reduce(0) { $0 + $1.negatives.count }
print("[generated] \(dataset.count) messages (seed \(seed)), \(goldCount) gold entities, \(negativeCount) hard negatives")
Evaluation(dataset, detector: detector, printErrors: printErrors).printReport()
print("")
print("[hand-written, first set] \(handWritten.count) messages, \(handWritten.reduce(0) { $0 + $1.gold.count }) gold entities")
Evaluation(handWritten, detector: detector, printErrors: printErrors).printReport()
let untouched = HandWrittenMessages.messages(HandWrittenMessages.untouched)
print("")
print("[hand-written, second set, never tuned on] \(untouched.count) messages, \(untouched.reduce(0) { $0 + $1.gold.count }) gold entities")
Evaluation(untouched, detector: detector, printErrors: printErrors).printReport()

/// Analyses per second over `messages` repeated to at least `minimum` analyses, one thread, after a warm-up pass.
func measure(_ messages: [String], minimum: Int) -> (count: Int, seconds: Double) {
    var checksum = 0
    for text in messages { checksum &+= detector.analyze(text).entities.count }
    let repetitions = max(1, (minimum + messages.count - 1) / messages.count)
    let elapsed = ContinuousClock().measure {
        for _ in 0..<repetitions {
            for text in messages { checksum &+= detector.analyze(text).redactedText.utf16.count }
        }
    }
    precondition(checksum != 0)
    return (repetitions * messages.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
}

func throughputLine(_ label: String, _ messages: [String]) -> String {
    let (count, seconds) = measure(messages, minimum: 20_000)
    let averageLength = Double(messages.reduce(0) { $0 + $1.utf16.count }) / Double(messages.count)
    let perMessage = String(format: "%.1f", seconds / Double(count) * 1e6)
    return "\(label): \(count) analyses in \(String(format: "%.3f", seconds)) s → \(Int(Double(count) / seconds)) messages/s, "
        + "\(perMessage) µs/message (average \(Int(averageLength.rounded())) UTF-16 units)"
}

print("")
print("throughput, one thread:")
print(throughputLine("  whole dataset", dataset.map(\.text)))
let typical = dataset.map(\.text).filter { (180...220).contains($0.utf16.count) }
if !typical.isEmpty { print(throughputLine("  180–220-unit messages (\(typical.count))", typical)) }
