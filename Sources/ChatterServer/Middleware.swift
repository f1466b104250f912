import ChatterCore
import ChatterStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import OpenAPIRuntime
import Synchronization

/// Outermost: gives every request an id (the caller's `X-Request-ID` when it is sane), returns it on the
/// response, and turns every error into RFC 9457 problem+json. Nothing reaches the client as a bare 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger
    var routes = RouteMethods()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = request.headers[.requestID].flatMap(Self.acceptableRequestID) ?? Identifier.make()
        return await RequestScope.$requestID.withValue(requestID) {
            do {
                var response = try await next(request, context)
                response.headers[.requestID] = requestID
                return response
            } catch {
                var chatterError = Self.chatterError(for: error, logger: logger, requestID: requestID)
                // The router answers a known path asked with another method as it answers an unknown path.
                let unrouted = chatterError.kind == .notFound && error is HTTPError
                let allowed = unrouted ? routes.allowed(for: request.uri.path, method: request.method) : []
                if !allowed.isEmpty {
                    let methods = allowed.joined(separator: ", ")
                    chatterError = ChatterError(.methodNotAllowed, "\(request.uri.path) accepts \(methods), not \(request.method)")
                }
                // The OpenAI-compatible gateway answers errors in OpenAI's shape, which its SDKs parse.
                var response =
                    request.uri.path.hasPrefix("/v1/")
                    ? GatewayController.errorResponse(GatewayError(chatterError))
                    : Problem(chatterError, instance: request.uri.path, requestID: requestID).response()
                response.headers[.requestID] = requestID
                if chatterError.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
                if !allowed.isEmpty { response.headers[.allow] = allowed.joined(separator: ", ") }
                if chatterError.kind == .upgradeRequired {
                    response.headers[.upgrade] = "websocket"
                    response.headers[.connection] = "Upgrade"
                }
                return response
            }
        }
    }

    static func acceptableRequestID(_ value: String) -> String? {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-_.:"))
        guard (1...128).contains(value.count), value.unicodeScalars.allSatisfy({ allowed.contains($0) && $0.isASCII }) else { return nil }
        return value
    }

    static func chatterError(for error: any Error, logger: Logger, requestID: String) -> ChatterError {
        switch error {
        case let error as ChatterError:
            return error
        case let error as ServerError:
            if let underlying = error.underlyingError as? ChatterError { return underlying }
            // No decoded input means the request itself could not be read: the caller's mistake.
            if error.httpStatus == .unsupportedMediaType {
                return ChatterError(.unsupportedMediaType, "the body must be sent as Content-Type: application/json")
            }
            if error.operationInput == nil {
                let bodyless = [.get, .head, .delete].contains(error.request.method)
                return ChatterError.invalid("the request is malformed: \(Self.describe(error.underlyingError, bodyless: bodyless))")
            }
            return internalError(error.underlyingError, logger: logger, requestID: requestID)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return ChatterError(.notFound, "no such route")
            case .contentTooLarge: return ChatterError(.payloadTooLarge, "the request body is too large")
            case .methodNotAllowed: return ChatterError(.methodNotAllowed, "this route does not accept that method")
            case let status where (400..<500).contains(status.code): return ChatterError(.invalidRequest, error.body ?? status.reasonPhrase)
            default: return internalError(error, logger: logger, requestID: requestID)
            }
        default:
            return internalError(error, logger: logger, requestID: requestID)
        }
    }

    static func internalError(_ error: any Error, logger: Logger, requestID: String) -> ChatterError {
        logger.error("request failed", metadata: ["request_id": "\(requestID)", "error": "\(String(reflecting: error))"])
        return ChatterError(.internalError, "an internal error occurred; the request id identifies it in the server log")
    }

    /// A decoding problem described by where it is, never by the values it saw. `bodyless`: the request has no
    /// body, so what failed to decode is a query or path parameter (whose coding path the runtime leaves empty).
    static func describe(_ error: any Error, bodyless: Bool = false) -> String {
        guard let decoding = error as? DecodingError else { return String(describing: error).prefix(300).description }
        let whole = bodyless ? "a query or path parameter" : "the body"
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }.joined(separator: ".")
            return path.isEmpty ? whole : "'\(path)'"
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            // The runtime's own wording names Swift types ("Cannot initialize ModePayload from invalid String value").
            if context.debugDescription.hasPrefix("Cannot initialize") { return "\(path(context)) is not one of the allowed values" }
            if context.debugDescription.hasPrefix("Additional properties are disabled") {
                if context.codingPath.isEmpty { return "the body has a field this API does not define" }
                return "\(path(context)) is not a field this API defines"
            }
            if bodyless { return "\(whole) has an invalid value" }
            // Foundation reports a number that does not fit its field (1.5 or 1e20 for an integer) as invalid JSON too.
            return context.codingPath.isEmpty
                ? "the body is not valid JSON, or holds a number that does not fit its field"
                : "\(path(context)) is invalid: \(context.debugDescription)"
        @unknown default:
            return "the body could not be decoded"
        }
    }
}

/// The methods each route accepts, read from the router once every route is registered, so that a known path
/// asked with another method gets 405 and `Allow` rather than 404.
final class RouteMethods: Sendable {
    private let table = Mutex<[(path: RouterPath, methods: [String])]>([])

    func record(_ routes: [(path: RouterPath, method: HTTPRequest.Method)]) {
        let grouped = Dictionary(grouping: routes, by: \.path.description)
        table.withLock { table in
            table = grouped.values.map { routes in (routes[0].path, routes.map(\.method.rawValue).sorted()) }
        }
    }

    /// The methods of the route that `path` resolves to (a capture matches any one segment, and the route with
    /// the most literal segments wins, as in the router); none if no route matches, or if the one that does takes
    /// `method` (the 404 was the handler's own).
    func allowed(for path: String, method: HTTPRequest.Method) -> [String] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = table.withLock { table in
            table.filter { route in
                route.path.components.count == segments.count && zip(route.path.components, segments).allSatisfy { $0 ~= $1 }
            }
        }
        func literals(_ path: RouterPath) -> Int { zip(path.components, segments).count { $0 == $1 } }
        guard let route = matching.max(by: { literals($0.path) < literals($1.path) }), !route.methods.contains(method.rawValue) else {
            return []
        }
        return route.methods
    }
}

/// Every route under `/api/` and `/v1/` needs `Authorization: Bearer <key>`; `/metrics` needs an admin key or
/// the metrics token; health, readiness and the OpenAPI document need nothing.
struct AuthenticationMiddleware<Context: RequestContext>: RouterMiddleware {
    let access: AccessStore
    let cache: IdentityCache
    let metricsToken: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        if path == "/metrics" {
            guard let secret = Self.bearerToken(request) else {
                throw ChatterError(.unauthorized, "send the metrics token or an admin API key as Authorization: Bearer <token>")
            }
            if let metricsToken, Self.constantTimeEqual(secret, metricsToken) { return try await next(request, context) }
            guard let identity = try await cache.identity(forSecret: secret, access: access) else {
                throw ChatterError(.unauthorized, "the token is neither the metrics token nor a valid API key")
            }
            // The metrics cover every tenant: only the installation's own admins (the first tenant's) may read them.
            guard identity.isAdmin, try await access.tenantIDs().first == identity.tenantID else {
                throw ChatterError(.forbidden, "metrics need the metrics token or an admin key of the installation's first tenant")
            }
            return try await next(request, context)
        }
        guard path.hasPrefix("/api/") || path.hasPrefix("/v1/") else { return try await next(request, context) }
        guard let secret = Self.bearerToken(request) else {
            throw ChatterError(.unauthorized, "send an API key as Authorization: Bearer <key>")
        }
        guard let identity = try await cache.identity(forSecret: secret, access: access) else {
            throw ChatterError(.unauthorized, "the API key is not valid or has been revoked")
        }
        return try await RequestScope.$identity.withValue(identity) {
            try await next(request, context)
        }
    }
}

extension AuthenticationMiddleware {
    static func bearerToken(_ request: Request) -> String? {
        guard let header = request.headers[.authorization], header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return header.dropFirst(7).trimmingWhiteSpace()
    }

    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let left = Array(a.utf8)
        let right = Array(b.utf8)
        guard left.count == right.count else { return false }
        return zip(left, right).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// Counts and times every request for `/metrics`, by method, matched route and status.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ChatterMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        metrics.httpRequest(
            method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: Int(response.status.code), seconds: seconds
        )
        return response
    }
}

/// Refuses bodies over the limit with 413 before any handler runs, whether or not they declare a length, and
/// a NUL character in a JSON string of the body (`\u0000`) or in the path or query (`%00`): PostgreSQL's text
/// cannot hold one and SQLite's C strings end at it, so it would be refused on one database and cut short on the
/// other after the reply. Escapes that are not UTF-8 and repeated query parameters are refused too: the API would
/// read the first as absent and keep only the first of the second.
struct RequestInputMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let uri = request.uri.string
        if uri.contains("%") {
            if uri.contains("%00") { throw ChatterError.invalid("the path and query must not contain the NUL character (%00)") }
            // A parameter whose escapes are not UTF-8 would be read as absent (no filter at all) rather than refused.
            if uri.removingPercentEncoding == nil {
                throw ChatterError.invalid("the path and query must be percent-encoded UTF-8 (each % followed by two hex digits)")
            }
        }
        if let query = request.uri.query {
            // Every parameter takes one value; a second would be dropped without a word.
            var names: Set<String> = []
            for pair in query.split(separator: "&") {
                let raw = pair.prefix { $0 != "=" }
                let name = raw.removingPercentEncoding ?? String(raw)
                guard !name.isEmpty else { throw ChatterError.invalid("a query parameter has no name (\"\(pair)\")") }
                guard names.insert(name).inserted else { throw ChatterError.invalid("the query parameter \(name) is given more than once") }
            }
        }
        let tooLarge = ChatterError(.payloadTooLarge, "the request body is larger than \(maxBytes) bytes")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes { throw tooLarge }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        } catch is NIOTooManyBytesError {
            // A chunked body has no length to check up front: collecting it is where it turns out too large.
            throw tooLarge
        }
        if Self.containsEscapedNUL(body.readableBytesView) {
            throw ChatterError.invalid("text must not contain the NUL character (\\u0000)")
        }
        return try await next(request, context)
    }

    /// Whether the bytes hold `\u0000` as a JSON escape: the `u0000` follows an odd number of backslashes (an even
    /// number is an escaped backslash followed by the plain text `u0000`).
    static func containsEscapedNUL(_ bytes: some Collection<UInt8>) -> Bool {
        let backslash = UInt8(ascii: "\\"), zero = UInt8(ascii: "0")
        var backslashes = 0
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == backslash {
                backslashes += 1
            } else {
                if byte == UInt8(ascii: "u"), backslashes % 2 == 1 {
                    let digits = bytes[bytes.index(after: index)...].prefix(4)
                    if digits.count == 4, digits.allSatisfy({ $0 == zero }) { return true }
                }
                backslashes = 0
            }
            index = bytes.index(after: index)
        }
        return false
    }
}

/// The API answers in the one media type each route produces (JSON, or the event stream it is asked for), so
/// `Accept` is disregarded (RFC 9110 §12.5.1 allows it) everywhere but a chat turn, where it may choose a stream
/// and the handler refuses an impossible one with 406 before anything is written. Without this, the generated
/// layer checked `Accept` only when encoding the response: a 500 after the handler had committed its writes.
struct AcceptMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.accept] != nil, !Self.isChatTurn(request) else { return try await next(request, context) }
        var head = request.head
        head.headerFields[.accept] = nil
        return try await next(Request(head: head, body: request.body), context)
    }

    static func isChatTurn(_ request: Request) -> Bool {
        let path = request.uri.path
        return request.method == .post && path.hasPrefix("/api/v1/conversations/") && path.hasSuffix("/messages")
    }
}

/// Outermost of all: a path with empty segments (`//api/v1/usage`, as a base URL ending in `/` produces, or `/metrics/`)
/// is read as the same path without them. The router matches it so, and authentication, the error shape and the
/// metrics must see the path the router routes: `/metrics/` must not pass as a path that needs no key.
struct PathMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let normalized = Self.normalized(request.head.path) else { return try await next(request, context) }
        var head = request.head
        head.path = normalized
        return try await next(Request(head: head, body: request.body), context)
    }

    /// The request target with runs of `/` in its path made one and a trailing `/` dropped; nil when it has neither.
    static func normalized(_ target: String?) -> String? {
        guard let target else { return nil }
        let path = target.prefix { $0 != "?" }
        guard path.contains("//") || (path.utf8.count > 1 && path.hasSuffix("/")) else { return nil }
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        return "/" + segments.joined(separator: "/") + target[path.endIndex...]
    }
}
