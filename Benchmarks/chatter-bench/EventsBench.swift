import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// `--mode events`: the event log's live delivery. Opens idle SSE subscribers (filtered to a type nothing
/// emits) and reports the server's RSS they add; then opens active subscribers (every event), drives chat
/// turns at a fixed rate, and reports the delay from each event's timestamp (taken in the committing
/// transaction, before the commit) to its arrival at each subscriber.
enum EventsBench {
    static func run(
        client: HTTPClient, base: String, server: ServerProcess, idle: Int, active: Int, turnsPerSecond: Int, seconds: Int,
        conversations: ConversationPool
    ) async throws {
        // Subscribers hold their connections for the whole run: they get their own client and pool.
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = idle + active + 16
        configuration.connectionPool.idleTimeout = .seconds(600)
        let streams = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        defer { _ = streams.shutdown() }
        let quiet = RSSSampler.rssKilobytes(pid: server.pid) ?? 0
        let idleStreams = try await (0..<idle).asyncMap { _ in try await Subscriber.open(client: streams, base: base, query: "types=tool.called") }
        try await Task.sleep(for: .seconds(2))
        let withIdle = RSSSampler.rssKilobytes(pid: server.pid) ?? 0
        print("idle SSE subscribers: \(idle), server RSS \(quiet / 1024) MB -> \(withIdle / 1024) MB (+\((withIdle - quiet) / 1024) MB)")

        let delays = Delays()
        let subscribers = try await (0..<active).asyncMap { _ in
            try await Subscriber.open(client: streams, base: base, query: "", delays: delays)
        }
        try await Task.sleep(for: .seconds(1))
        let turns = turnsPerSecond * seconds
        let started = ContinuousClock.now
        let sampler = RSSSampler(pid: server.pid)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<turns {
                let due = started + .milliseconds(index * 1000 / turnsPerSecond)
                try await Task.sleep(until: due)
                group.addTask { try await conversations.turn(worker: index % 64) }
            }
            try await group.waitForAll()
        }
        let elapsed = ContinuousClock.now - started
        try await Task.sleep(for: .seconds(1))
        let peak = sampler.stop()
        let (count, p50, p99, max) = delays.summary()
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let events = Double(count) / Double(Swift.max(1, active))
        print("active SSE subscribers: \(active); \(turns) chat turns in \(String(format: "%.1f", seconds)) s")
        print("events per subscriber: \(Int(events)) (\(String(format: "%.0f", events / seconds)) events/s), deliveries: \(count)")
        print("event time -> SSE arrival: p50 \(p50) ms  p99 \(p99) ms  max \(max) ms")
        print("server peak RSS: \(peak / 1024) MB")
        for subscriber in subscribers + idleStreams { subscriber.cancel() }
    }

    /// One SSE connection read in the background.
    final class Subscriber: Sendable {
        let task: Task<Void, Never>

        init(task: Task<Void, Never>) {
            self.task = task
        }

        func cancel() { task.cancel() }

        static func open(client: HTTPClient, base: String, query: String, delays: Delays? = nil) async throws -> Subscriber {
            var request = HTTPClientRequest(url: base + "/api/v1/events" + (query.isEmpty ? "" : "?" + query))
            request.headers.add(name: "Authorization", value: "Bearer \(ChatterBench.adminKey)")
            let response = try await client.execute(request, timeout: .hours(1))
            guard response.status.code == 200 else { throw BenchError("events: HTTP \(response.status.code)") }
            let task = Task {
                let marker = Array(#""at":""#.utf8)
                var pending: [UInt8] = []
                do {
                    for try await buffer in response.body {
                        guard let delays else { continue }
                        pending.append(contentsOf: buffer.readableBytesView)
                        var consumed = 0
                        var index = 0
                        // Every frame carries one `"at":"…"`; take each complete timestamp as it arrives.
                        while index + marker.count + 24 <= pending.count {
                            if pending[index] == marker[0], Array(pending[index..<index + marker.count]) == marker {
                                let start = index + marker.count
                                let stamp = String(decoding: pending[start..<start + 24], as: UTF8.self)
                                if let sent = EventsBench.milliseconds(iso8601: Substring(stamp)) {
                                    delays.add(Int64(Date().timeIntervalSince1970 * 1000) - sent)
                                }
                                index = start + 24
                                consumed = index
                            } else {
                                index += 1
                            }
                        }
                        if consumed > 0 { pending.removeFirst(consumed) }
                    }
                } catch {}
            }
            return Subscriber(task: task)
        }
    }

    final class Delays: Sendable {
        private let values = Mutex<[Int64]>([])

        func add(_ value: Int64) { values.withLock { $0.append(value) } }

        func summary() -> (count: Int, p50: Int64, p99: Int64, max: Int64) {
            let sorted = values.withLock { $0 }.sorted()
            guard !sorted.isEmpty else { return (0, 0, 0, 0) }
            return (sorted.count, sorted[sorted.count / 2], sorted[min(sorted.count - 1, sorted.count * 99 / 100)], sorted.last!)
        }
    }

    /// `2026-11-21T13:00:00.123Z` to Unix milliseconds.
    static func milliseconds(iso8601 text: Substring) -> Int64? {
        let digits = Array(text.utf8)
        guard digits.count == 24 else { return nil }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                let digit = Int64(digits[index]) - 48
                guard (0...9).contains(digit) else { return nil }
                value = value * 10 + digit
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), let milli = number(20..<23)
        else { return nil }
        // Days from the civil date (proleptic Gregorian), eras of 400 years starting in March.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + milli
    }
}

extension Sequence where Element: Sendable {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
