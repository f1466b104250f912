/// The one error type of the domain. The server turns it into RFC 9457 problem+json;
/// `detail` is written for the person reading the response and never contains secrets.
public struct ChatterError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case invalidRequest = "invalid-request"
        case unauthorized = "unauthorized"
        case forbidden = "forbidden"
        case notFound = "not-found"
        case methodNotAllowed = "method-not-allowed"
        case unknownModel = "unknown-model"
        case payloadTooLarge = "payload-too-large"
        case notAcceptable = "not-acceptable"
        case unsupportedMediaType = "unsupported-media-type"
        case requestTimeout = "request-timeout"
        case headersTooLarge = "headers-too-large"
        case upgradeRequired = "upgrade-required"
        case conflict = "conflict"
        case upstreamError = "upstream-error"
        case upstreamRateLimited = "upstream-rate-limited"
        case upstreamTimeout = "upstream-timeout"
        case unavailable = "unavailable"
        case internalError = "internal-error"
    }

    public var kind: Kind
    public var detail: String
    /// Ledger references a client may need to find what was recorded (for example a failed call's id).
    public var extensions: [String: String]

    /// The extension carrying the seconds a rate-limited client should wait, also sent as `Retry-After`.
    public static let retryAfterKey = "retry_after_seconds"

    public init(_ kind: Kind, _ detail: String, extensions: [String: String] = [:]) {
        self.kind = kind
        self.detail = detail
        self.extensions = extensions
    }

    public var description: String { "\(kind.rawValue): \(detail)" }

    public static func notFound(_ what: String) -> ChatterError {
        ChatterError(.notFound, "\(what) was not found")
    }

    public static func invalid(_ detail: String) -> ChatterError {
        ChatterError(.invalidRequest, detail)
    }
}
