import AsyncHTTPClient
import ChatterCore
import Foundation
import Instrumentation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1
import NIOPosix

/// The HTTP side every adapter shares: JSON requests, provider errors as `ProviderFailure`
/// (with the provider's message and `Retry-After`), and bodies read as server-sent events or lines.
struct UpstreamHTTP: Sendable {
    let clients: UpstreamClients
    let requestTimeout: Duration
    /// The response header carrying the provider's request id.
    let requestIDHeader: String

    func post(_ url: String, headers: [(String, String)], body: JSONValue, stream: Bool) async throws -> HTTPClientResponse {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        if stream { request.headers.add(name: "Accept", value: "text/event-stream") }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        // The trace context of the call (its span, when traces are exported): an upstream that traces too joins
        // the caller's trace. Without an exporter the installed instrument is a no-op and nothing is added.
        if let context = ServiceContext.current {
            InstrumentationSystem.instrument.inject(context, into: &request.headers, using: HeaderInjector())
        }
        request.body = .bytes(ByteBuffer(bytes: body.jsonBytes))
        return try await checked(execute(request, timeout: requestTimeout))
    }

    struct HeaderInjector: Injector {
        func inject(_ value: String, forKey key: String, into headers: inout HTTPHeaders) {
            headers.replaceOrAdd(name: key, value: value)
        }
    }

    func get(_ url: String, headers: [(String, String)]) async throws -> JSONValue? {
        var request = HTTPClientRequest(url: url)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await execute(request, timeout: .seconds(10))
        guard response.status == .ok else { return nil }
        return try? JSONValue(parsing: try await response.body.collect(upTo: 16 << 20).readableBytesView)
    }

    func json(_ response: HTTPClientResponse) async throws -> JSONValue {
        do {
            return try JSONValue(parsing: try await response.body.collect(upTo: 64 << 20).readableBytesView)
        } catch let error as JSONParseError {
            throw ProviderFailure(.malformedResponse, "the body is not JSON: \(error)", upstreamRequestID: requestID(of: response))
        } catch {
            throw Self.failure(from: error, upstreamRequestID: requestID(of: response))
        }
    }

    func requestID(of response: HTTPClientResponse) -> String? {
        response.headers.first(name: requestIDHeader)
    }

    /// Reads a streamed body, handing each server-sent event to `handle`; transport errors (and a read stopped by a
    /// timeout) become failures carrying what had been received and the usage the provider had reported so far.
    func events(
        _ response: HTTPClientResponse, partial: () -> String, reported: () -> Usage? = { nil },
        _ handle: (ServerSentEventParser.Event) async throws -> Void
    ) async throws {
        var parser = ServerSentEventParser()
        try await reading(response, partial: partial, reported: reported) { bytes in
            for event in parser.consume(bytes) { try await handle(event) }
        }
        if let event = parser.finish() { try await handle(event) }
    }

    /// Reads a newline-delimited JSON body (Ollama), one value per line.
    func lines(_ response: HTTPClientResponse, partial: () -> String, _ handle: (JSONValue) async throws -> Void) async throws {
        var pending: [UInt8] = []
        func drain(final: Bool) async throws {
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) ?? (final && !pending.isEmpty ? pending.count : nil) {
                let line = pending[..<newline]
                pending.removeFirst(min(newline + 1, pending.count))
                guard !line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") }) else { continue }
                guard let value = try? JSONValue(parsing: line) else {
                    throw ProviderFailure(.malformedResponse, "a stream line is not JSON", partialContent: partial())
                }
                try await handle(value)
            }
        }
        try await reading(response, partial: partial, reported: { nil }) { bytes in
            pending.append(contentsOf: bytes)
            try await drain(final: false)
        }
        try await drain(final: true)
    }

    private func reading(
        _ response: HTTPClientResponse, partial: () -> String, reported: () -> Usage?, _ consume: (ByteBufferView) async throws -> Void
    ) async throws {
        do {
            for try await buffer in response.body { try await consume(buffer.readableBytesView) }
        } catch var failure as ProviderFailure {
            failure.upstreamRequestID = failure.upstreamRequestID ?? requestID(of: response)
            failure.partialContent = partial()
            failure.reportedUsage = failure.reportedUsage ?? reported()
            throw failure
        } catch {
            throw Self.failure(from: error, upstreamRequestID: requestID(of: response), partialContent: partial(), reportedUsage: reported())
        }
    }

    private func execute(_ request: HTTPClientRequest, timeout: Duration) async throws -> HTTPClientResponse {
        do {
            return try await clients.current.execute(request, timeout: .seconds(max(1, timeout.components.seconds)))
        } catch {
            throw Self.failure(from: error, upstreamRequestID: nil)
        }
    }

    /// A non-2xx answer as a failure with the provider's own message (`error.message` or `error` as text).
    private func checked(_ response: HTTPClientResponse) async throws -> HTTPClientResponse {
        guard response.status.code >= 300 else { return response }
        let text = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
        let json = try? JSONValue(parsing: text.utf8)
        let message = json?["error"]?["message"]?.string ?? json?["error"]?.string ?? response.status.reasonPhrase
        throw ProviderFailure(
            .http(status: Int(response.status.code)), message, upstreamRequestID: requestID(of: response),
            retryAfter: ProviderFailure.retryAfter(header: response.headers.first(name: "retry-after"))
        )
    }

    static func failure(from error: any Error, upstreamRequestID: String?, partialContent: String = "", reportedUsage: Usage? = nil) -> ProviderFailure {
        if let failure = error as? ProviderFailure { return failure }
        let kind: ProviderFailure.Kind
        switch error as? HTTPClientError {
        case .some(.readTimeout), .some(.connectTimeout), .some(.deadlineExceeded): kind = .timeout
        default: kind = .transport
        }
        return ProviderFailure(
            kind, message(for: error), upstreamRequestID: upstreamRequestID, partialContent: partialContent, reportedUsage: reportedUsage
        )
    }

    /// The system's own words for a socket error (`Connection refused`), not NIO's description of its internals.
    static func message(for error: any Error) -> String {
        if let error = error as? IOError { return Self.systemMessage(errno: error.errnoCode) }
        // A provider named by host: every address was tried (or none resolved).
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first { return message(for: first.error) }
            return "could not resolve the host \(error.host)"
        }
        switch error as? HTTPClientError {
        case .some(.readTimeout): return "nothing arrived within the idle timeout"
        case .some(.connectTimeout): return "no connection within the connect timeout"
        case .some(.deadlineExceeded): return "the call did not end within the request timeout"
        default: return String(describing: error)
        }
    }

    static func systemMessage(errno code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard strerror_r(code, &buffer, buffer.count) == 0 else { return "socket error \(code)" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension JSONValue {
    /// Parses JSON text (a tool call's arguments); text that is not JSON is kept as a string.
    static func parsing(_ text: String) -> JSONValue {
        (try? JSONValue(parsing: text.utf8)) ?? .string(text)
    }

    var elements: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
