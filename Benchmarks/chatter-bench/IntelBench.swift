import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// `--mode intel`: the conversation-intelligence pipeline.
/// 1. Throughput: `--intel-messages` observed messages are ingested with the pipeline off, then the server restarts
///    with it on, and the time until every agent has analysed (and committed) them all gives messages/s through
///    all four agents.
/// 2. Latency: messages are posted at `--intel-rate` per second for `--seconds`; for each, the time from sending the
///    POST to the arrival (over SSE) of the last of the four agents' `intel.updated` covering it.
/// 3. Memory: the server's RSS each 10% of the latency run.
enum IntelBench {
    static func run(
        client: HTTPClient, executable: String, upstreamPort: Int, databaseURL: String?, extra: [String], messages: Int, rate: Int, seconds: Int
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("chatter-intel-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let database = databaseURL ?? "sqlite://\(directory.path)/chatter.sqlite"

        var server = try await ServerProcess.start(
            executable: executable, upstreamPort: upstreamPort, databaseURL: database, extra: extra + ["CHATTER_INTEL_PIPELINE=off"]
        )
        let ingestBase = "http://127.0.0.1:\(server.port)"
        let backlog = try await createConversations(client: client, base: ingestBase, count: 200)
        let ingest = try await Measure.run(count: messages, concurrency: 32) { index in
            let conversation = backlog[index % backlog.count]
            _ = try await post(client: client, base: ingestBase, conversation: conversation, index: index / backlog.count)
        }
        server.stop()
        print("mode: intel, database: \(server.databaseDescription)")
        print("ingested \(messages) observed messages with the pipeline off in \(String(format: "%.1f", ingest.seconds)) s (\(ingest.failures) failed)")

        server = try await ServerProcess.start(executable: executable, upstreamPort: upstreamPort, databaseURL: database, extra: extra)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(server.port)"
        let started = ContinuousClock.now
        while true {
            let analysed = try await analysedCounts(client: client, base: base)
            if analysed.count == 4, analysed.values.allSatisfy({ $0 >= Double(messages) }) { break }
            guard ContinuousClock.now - started < .seconds(600) else { throw BenchError("the pipeline did not catch up: \(analysed)") }
            try await Task.sleep(for: .milliseconds(20))
        }
        let drained = secondsOf(ContinuousClock.now - started)
        print(
            "pipeline caught up on \(messages) messages in \(String(format: "%.2f", drained)) s: "
                + "\(String(format: "%.0f", Double(messages) / drained)) messages/s through all four agents"
        )

        // Latency at a fixed rate, over SSE: 50 conversations at a time, each 100 messages long (a long support chat),
        // then the next 50.
        let total = rate * seconds
        let (width, length) = (50, 100)
        let live = try await createConversations(client: client, base: base, count: max(width, (total + width * length - 1) / (width * length) * width))
        let tracker = Tracker()
        var request = HTTPClientRequest(url: base + "/api/v1/events?types=intel.updated")
        request.headers.add(name: "Authorization", value: "Bearer \(ChatterBench.adminKey)")
        let response = try await client.execute(request, timeout: .hours(1))
        let reader = Task {
            var pending = ""
            do {
                for try await buffer in response.body {
                    pending += String(buffer: buffer)
                    while let end = pending.range(of: "\n\n") {
                        let frame = pending[..<end.lowerBound]
                        pending.removeSubrange(..<end.upperBound)
                        guard let line = frame.split(separator: "\n").first(where: { $0.hasPrefix("data: ") }),
                            let object = try? JSONSerialization.jsonObject(with: Data(line.dropFirst(6).utf8)) as? [String: Any],
                            let conversation = object["conversation_id"] as? String, let data = object["data"] as? [String: Any],
                            let agent = data["agent"] as? String, let seq = (data["message_seq"] as? NSNumber)?.int64Value
                        else { continue }
                        tracker.update(conversation: conversation, agent: agent, seq: seq)
                    }
                }
            } catch {}
        }
        defer { reader.cancel() }
        try await Task.sleep(for: .milliseconds(500))
        let baselineRSS = RSSSampler.rssKilobytes(pid: server.pid) ?? 0
        var samples: [Int] = []
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<total {
                try await Task.sleep(until: start + .milliseconds(index * 1000 / rate))
                if index % max(1, total / 10) == 0 { samples.append(RSSSampler.rssKilobytes(pid: server.pid) ?? 0) }
                group.addTask {
                    let conversation = live[index / (width * length) * width + index % width]
                    let sent = ContinuousClock.now
                    let seq = try await post(client: client, base: base, conversation: conversation, index: index / width % length)
                    tracker.expect(conversation: conversation, seq: seq, sentAt: sent, answeredAt: .now)
                }
            }
            try await group.waitForAll()
        }
        let deadline = ContinuousClock.now + .seconds(30)
        while tracker.pendingCount > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        samples.append(RSSSampler.rssKilobytes(pid: server.pid) ?? 0)
        let (count, p50, p99, maximum) = tracker.summary()
        print("latency run: \(total) messages at \(rate)/s over \(seconds) s, \(width) conversations at a time, \(length) messages each (\(live.count) in all)")
        print("ingest -> last of the four intel.updated over SSE: p50 \(p50) ms  p99 \(p99) ms  max \(maximum) ms (\(count) measured, \(tracker.pendingCount) unseen)")
        print(tracker.stages())
        print("server RSS: \(baselineRSS / 1024) MB before; every 10%: \(samples.map { "\($0 / 1024)" }.joined(separator: " ")) MB")
    }

    static func secondsOf(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func createConversations(client: HTTPClient, base: String, count: Int) async throws -> [String] {
        var ids: [String] = []
        for index in 0..<count {
            let body = try await ChatterBench.post(client, base + "/api/v1/conversations", body: #"{"mode":"observe","title":"bench \#(index)"}"#)
            guard let object = try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any], let id = object["id"] as? String else {
                throw BenchError("conversation create returned no id")
            }
            ids.append(id)
        }
        return ids
    }

    /// Posts the `index`th message of a conversation; returns its seq.
    static func post(client: HTTPClient, base: String, conversation: String, index: Int) async throws -> Int64 {
        let (role, text) = SupportScript.message(index)
        let body = try JSONSerialization.data(withJSONObject: ["role": role, "content": text])
        let reply = try await ChatterBench.post(client, base + "/api/v1/conversations/\(conversation)/messages", body: String(decoding: body, as: UTF8.self))
        guard let object = try JSONSerialization.jsonObject(with: Data(buffer: reply)) as? [String: Any], let seq = (object["seq"] as? NSNumber)?.int64Value else {
            throw BenchError("message post returned no seq")
        }
        return seq
    }

    /// Messages each agent has analysed and committed on the server (`chatter_intel_messages_total`).
    static func analysedCounts(client: HTTPClient, base: String) async throws -> [String: Double] {
        var request = HTTPClientRequest(url: base + "/metrics")
        request.headers.add(name: "Authorization", value: "Bearer \(ChatterBench.adminKey)")
        let response = try await client.execute(request, timeout: .seconds(30))
        let text = String(buffer: try await response.body.collect(upTo: 1 << 24))
        var counts: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("chatter_intel_messages_total{") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { counts[String(parts[0])] = value }
        }
        return counts
    }

    /// Per conversation, the highest seq each agent has announced, and the messages still waiting for all four.
    final class Tracker: Sendable {
        private struct State {
            var watermarks: [String: [String: Int64]] = [:]
            var waiting: [String: [(seq: Int64, sentAt: ContinuousClock.Instant)]] = [:]
            var latencies: [Int64] = []
            var answers: [Int64] = []
            /// Every message sent, and every update's arrival per conversation (any agent, with its watermark): the
            /// first agent's latency is found at the end, so an update that arrives before the POST's reply counts.
            var sent: [(conversation: String, seq: Int64, sentAt: ContinuousClock.Instant)] = []
            var arrivals: [String: [(seq: Int64, at: ContinuousClock.Instant)]] = [:]
        }

        private let state = Mutex(State())

        func expect(conversation: String, seq: Int64, sentAt: ContinuousClock.Instant, answeredAt: ContinuousClock.Instant) {
            state.withLock { state in
                state.answers.append(Self.milliseconds(answeredAt - sentAt))
                state.sent.append((conversation, seq, sentAt))
                if Self.covered(state.watermarks[conversation], seq) {
                    state.latencies.append(Self.milliseconds(ContinuousClock.now - sentAt))
                } else {
                    state.waiting[conversation, default: []].append((seq, sentAt))
                }
            }
        }

        func update(conversation: String, agent: String, seq: Int64) {
            let now = ContinuousClock.now
            state.withLock { state in
                state.arrivals[conversation, default: []].append((seq, now))
                state.watermarks[conversation, default: [:]][agent] = max(state.watermarks[conversation]?[agent] ?? 0, seq)
                guard let waiting = state.waiting[conversation] else { return }
                var still: [(seq: Int64, sentAt: ContinuousClock.Instant)] = []
                for entry in waiting {
                    if Self.covered(state.watermarks[conversation], entry.seq) {
                        state.latencies.append(Self.milliseconds(now - entry.sentAt))
                    } else {
                        still.append(entry)
                    }
                }
                state.waiting[conversation] = still
            }
        }

        var pendingCount: Int { state.withLock { $0.waiting.values.reduce(0) { $0 + $1.count } } }

        /// The POST's own latency (the message durable) and the arrival of the first update covering the message (the
        /// first agent's `intel.updated` whose watermark reaches it), p50 / p99 / max.
        func stages() -> String {
            state.withLock { state in
                let firstAgent = state.sent.compactMap { message -> Int64? in
                    let first = state.arrivals[message.conversation]?.first { $0.seq >= message.seq }
                    return first.map { Self.milliseconds($0.at - message.sentAt) }
                }
                return [("message stored (POST answered)", state.answers), ("first of the four intel.updated", firstAgent)].map { name, values in
                    let figures = Self.percentiles(values)
                    return figures.count == 0 ? "\(name): none" : "\(name): p50 \(figures.p50) ms  p99 \(figures.p99) ms  max \(figures.max) ms"
                }.joined(separator: "\n")
            }
        }

        func summary() -> (count: Int, p50: Int64, p99: Int64, max: Int64) {
            Self.percentiles(state.withLock { $0.latencies })
        }

        private static func percentiles(_ values: [Int64]) -> (count: Int, p50: Int64, p99: Int64, max: Int64) {
            let sorted = values.sorted()
            guard let maximum = sorted.last else { return (0, 0, 0, 0) }
            return (sorted.count, sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 99 / 100)], maximum)
        }

        private static func covered(_ watermarks: [String: Int64]?, _ seq: Int64) -> Bool {
            guard let watermarks, watermarks.count == 4 else { return false }
            return watermarks.values.allSatisfy { $0 >= seq }
        }

        private static func milliseconds(_ duration: Duration) -> Int64 {
            duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        }
    }
}

/// A support conversation's messages, generated deterministically: customer and agent turns over billing, access,
/// outages, orders and refunds, some with personal data (emails, phone numbers, cards), at typical chat lengths.
enum SupportScript {
    static let customer = [
        "Hi, I was charged twice for my subscription this month and I need the duplicate refunded.",
        "I can't log in to my account, the password reset link never arrives at %EMAIL%.",
        "Our production dashboard has been down since this morning and we are losing money every minute!",
        "Where is my order? It was supposed to arrive three days ago and the tracking has not moved.",
        "This is the third time I am contacting you about this, it is still not fixed. Unacceptable.",
        "You can call me back on %PHONE% any time today.",
        "I paid with my card %CARD% and the payment failed but the money was taken.",
        "Thanks, that worked perfectly. I really appreciate the quick help!",
        "How do I export my data to CSV? I could not find it in the settings.",
        "I want to cancel my plan, it is too expensive for what we use.",
    ]
    static let agent = [
        "I am sorry about that. I will refund the duplicate charge today and you will get a confirmation email.",
        "Let me check that for you. Could you confirm the email address on the account?",
        "Our engineers are on it; I will update you within the hour with the status.",
        "I have looked up your order and it is at the local depot, it should arrive tomorrow.",
        "I understand your frustration and I am escalating this to our senior team right now.",
        "Thanks for your patience. Please try again and let me know if it works.",
    ]

    static func message(_ index: Int) -> (role: String, text: String) {
        if index % 2 == 1 { return ("agent", agent[(index / 2) % agent.count]) }
        let template = customer[(index / 2) % customer.count]
        let text = template.replacingOccurrences(of: "%EMAIL%", with: "user\(index)@example.com")
            .replacingOccurrences(of: "%PHONE%", with: "+1 415 555 \(String(format: "%04d", 100 + index % 9000))")
            .replacingOccurrences(of: "%CARD%", with: "4111 1111 1111 1111")
        return ("customer", text)
    }
}
