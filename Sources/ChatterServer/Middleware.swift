import ChatterCore
import ChatterStore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import OpenAPIRuntime

/// Outermost: gives every request an id (the caller's `X-Request-ID` when it is sane), returns it on the
/// response, and turns every error into RFC 9457 problem+json. Nothing reaches the client as a bare 500.
struct ProblemMiddleware<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = request.headers[.requestID].flatMap(Self.acceptableRequestID) ?? Identifier.make()
        return await RequestScope.$requestID.withValue(requestID) {
            do {
                var response = try await next(request, context)
                response.headers[.requestID] = requestID
                return response
            } catch {
                let chatterError = Self.chatterError(for: error, logger: logger, requestID: requestID)
                // The OpenAI-compatible gateway answers errors in OpenAI's shape, which its SDKs parse.
                var response =
                    request.uri.path.hasPrefix("/v1/")
                    ? GatewayController.errorResponse(GatewayError(chatterError))
                    : Problem(chatterError, instance: request.uri.path, requestID: requestID).response()
                response.headers[.requestID] = requestID
                if chatterError.kind == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
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
            if error.operationInput == nil { return ChatterError.invalid("the request is malformed: \(Self.describe(error.underlyingError))") }
            return internalError(error.underlyingError, logger: logger, requestID: requestID)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return ChatterError(.notFound, "no such route")
            case .contentTooLarge: return ChatterError(.payloadTooLarge, "the request body is too large")
            case .methodNotAllowed: return ChatterError(.invalidRequest, "this route does not accept that method")
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

    /// A decoding problem described by where it is, never by the values it saw.
    static func describe(_ error: any Error) -> String {
        guard let decoding = error as? DecodingError else { return String(describing: error).prefix(300).description }
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map(\.stringValue).filter { !$0.isEmpty }.joined(separator: ".")
            return path.isEmpty ? "the body" : "'\(path)'"
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            let parent = context.codingPath.map(\.stringValue).joined(separator: ".")
            return "missing field '\(parent.isEmpty ? key.stringValue : parent + "." + key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)) has the wrong type"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : "\(path(context)) is invalid: \(context.debugDescription)"
        @unknown default:
            return "the body could not be decoded"
        }
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
        return header.dropFirst(7).trimmingCharacters(in: .whitespaces)
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

/// Refuses bodies over the limit with 413 before any handler runs, whether or not they declare a length.
struct BodyLimitMiddleware<Context: RequestContext>: RouterMiddleware {
    let maxBytes: Int

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let tooLarge = ChatterError(.payloadTooLarge, "the request body is larger than \(maxBytes) bytes")
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBytes { throw tooLarge }
        var request = request
        do {
            _ = try await request.collectBody(upTo: maxBytes)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge
        }
        return try await next(request, context)
    }
}
