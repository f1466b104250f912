import AsyncHTTPClient
import ChatterCore
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import Synchronization

/// A live client of `GET /api/v1/events`: reads frames in the background until closed.
final class EventSubscriber: Sendable {
    struct Frame: Sendable {
        var id: String?
        var event: String
        var data: JSONValue
    }

    let status: Int
    private let client: HTTPClient
    private let received = Mutex<(frames: [Frame], partial: String, ended: Bool)>(([], "", false))
    private let reader: Mutex<Task<Void, Never>?> = Mutex(nil)

    static func connect(_ harness: Harness, query: String = "", key: String = Harness.adminKey, lastEventID: String? = nil) async throws -> EventSubscriber {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        var request = HTTPClientRequest(url: harness.baseURL + "/api/v1/events" + (query.isEmpty ? "" : "?" + query))
        request.headers.add(name: "Authorization", value: "Bearer \(key)")
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: lastEventID) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(request, timeout: .seconds(120))
        } catch {
            try? await client.shutdown()
            throw error
        }
        let subscriber = EventSubscriber(status: Int(response.status.code), client: client)
        let task = Task {
            do {
                for try await buffer in response.body { subscriber.append(String(buffer: buffer)) }
            } catch {}
            subscriber.received.withLock { $0.ended = true }
        }
        subscriber.reader.withLock { $0 = task }
        return subscriber
    }

    private init(status: Int, client: HTTPClient) {
        self.status = status
        self.client = client
    }

    private func append(_ text: String) {
        received.withLock { state in
            state.partial += text
            while let end = state.partial.range(of: "\n\n") {
                let block = String(state.partial[..<end.lowerBound])
                state.partial = String(state.partial[end.upperBound...])
                var frame = Frame(id: nil, event: "message", data: .null)
                var data = ""
                for line in block.split(separator: "\n") {
                    if line.hasPrefix("id: ") { frame.id = String(line.dropFirst(4)) }
                    if line.hasPrefix("event: ") { frame.event = String(line.dropFirst(7)) }
                    if line.hasPrefix("data: ") { data += line.dropFirst(6) }
                }
                guard !data.isEmpty else { continue }
                frame.data = (try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))) ?? .null
                state.frames.append(frame)
            }
        }
    }

    var frames: [Frame] { received.withLock { $0.frames } }
    var ended: Bool { received.withLock { $0.ended } }

    /// Waits until `condition` holds for the frames received so far.
    @discardableResult
    func wait(timeout: Duration = .seconds(45), until condition: ([Frame]) -> Bool) async throws -> [Frame] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let frames = self.frames
            if condition(frames) { return frames }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestFailure("events not received within \(timeout); got \(frames.map(\.event))")
    }

    func close() async {
        reader.withLock { $0 }?.cancel()
        try? await client.shutdown()
    }
}
