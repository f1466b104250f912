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

        let subscribers = try await (0..<active).asyncMap { _ in
            try await Subscriber.open(client: streams, base: base, query: "", measuring: true)
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
        var delays: [Int64] = []
        for subscriber in subscribers { delays += await subscriber.stop() }
        for subscriber in idleStreams { _ = await subscriber.stop() }
        delays.sort()
        let count = delays.count
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let events = Double(count) / Double(Swift.max(1, active))
        print("active SSE subscribers: \(active); \(turns) chat turns in \(String(format: "%.1f", seconds)) s")
        print("events per subscriber: \(Int(events)) (\(String(format: "%.0f", events / seconds)) events/s), deliveries: \(count)")
        if let max = delays.last {
            let p50 = delays[count / 2]
            let p99 = delays[Swift.min(count - 1, count * 99 / 100)]
            print("event time -> SSE arrival: p50 \(p50) ms  p99 \(p99) ms  max \(max) ms")
        }
        print("server peak RSS: \(peak / 1024) MB")
    }

    /// One SSE connection read in the background. A measuring subscriber keeps, for every event, the delay from
    /// the event's `at` to the arrival of the bytes that completed it; it parses in place and keeps its delays
    /// to itself, so 100 of them at 1,000 events/s cost the load generator little.
    final class Subscriber: Sendable {
        let task: Task<[Int64], Never>

        init(task: Task<[Int64], Never>) {
            self.task = task
        }

        /// Closes the connection and returns the delays measured.
        func stop() async -> [Int64] {
            task.cancel()
            return await task.value
        }

        static func open(client: HTTPClient, base: String, query: String, measuring: Bool = false) async throws -> Subscriber {
            var request = HTTPClientRequest(url: base + "/api/v1/events" + (query.isEmpty ? "" : "?" + query))
            request.headers.add(name: "Authorization", value: "Bearer \(ChatterBench.adminKey)")
            let response = try await client.execute(request, timeout: .hours(1))
            guard response.status.code == 200 else { throw BenchError("events: HTTP \(response.status.code)") }
            let task = Task {
                var delays: [Int64] = []
                var scanner = StampScanner()
                do {
                    for try await buffer in response.body where measuring {
                        let now = Int64(Date().timeIntervalSince1970 * 1000)
                        scanner.scan(buffer) { delays.append(now - $0) }
                    }
                } catch {}
                return delays
            }
            return Subscriber(task: task)
        }
    }

    /// Finds every `"at":"<24-character timestamp>"` in a byte stream split into arbitrary buffers.
    struct StampScanner {
        private static let marker = Array(#""at":""#.utf8)
        /// The unscanned end of the previous buffer, where a marker or its timestamp may continue.
        private var carry: [UInt8] = []

        mutating func scan(_ buffer: ByteBuffer, _ found: (Int64) -> Void) {
            if carry.isEmpty {
                carry = buffer.withUnsafeReadableBytes { scan($0, found) }
            } else {
                var joined = carry
                joined += buffer.readableBytesView
                carry = joined.withUnsafeBytes { scan($0, found) }
            }
        }

        /// Scans `bytes`, returning what must be kept for the next buffer.
        private func scan(_ bytes: UnsafeRawBufferPointer, _ found: (Int64) -> Void) -> [UInt8] {
            let marker = Self.marker
            let needed = marker.count + 24
            var index = 0
            var consumed = 0
            while index + needed <= bytes.count {
                guard bytes[index] == marker[0] else {
                    index += 1
                    continue
                }
                var matches = true
                for offset in 1..<marker.count where bytes[index + offset] != marker[offset] {
                    matches = false
                    break
                }
                guard matches else {
                    index += 1
                    continue
                }
                let start = index + marker.count
                if let sent = EventsBench.milliseconds(iso8601: UnsafeRawBufferPointer(rebasing: bytes[start..<start + 24])) {
                    found(sent)
                }
                index = start + 24
                consumed = index
            }
            return Array(bytes[Swift.max(consumed, bytes.count - (needed - 1))...])
        }
    }

    /// `2026-11-21T13:00:00.123Z` to Unix milliseconds.
    static func milliseconds(iso8601 digits: UnsafeRawBufferPointer) -> Int64? {
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
