import ChatterCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOFoundationCompat

/// RFC 9457 problem details, the body of every error response.
struct Problem: Encodable, Sendable {
    var type: String
    var title: String
    var status: Int
    var detail: String
    var instance: String?
    var requestID: String?
    var extensions: [String: String]

    init(_ error: ChatterError, instance: String?, requestID: String?) {
        let status = Self.status(of: error.kind)
        self.type = "urn:chatter:problem:\(error.kind.rawValue)"
        self.title = status.reasonPhrase
        self.status = status.code
        self.detail = error.detail
        self.instance = instance
        self.requestID = requestID
        self.extensions = error.extensions
    }

    static func status(of kind: ChatterError.Kind) -> HTTPResponse.Status {
        switch kind {
        case .invalidRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .unknownModel: .unprocessableContent
        case .payloadTooLarge: .contentTooLarge
        case .notAcceptable: .notAcceptable
        case .unsupportedMediaType: .unsupportedMediaType
        case .requestTimeout: .requestTimeout
        case .headersTooLarge: .requestHeaderFieldsTooLarge
        case .upgradeRequired: .upgradeRequired
        case .conflict: .conflict
        case .upstreamError: .badGateway
        case .upstreamRateLimited: .tooManyRequests
        case .upstreamTimeout: .gatewayTimeout
        case .unavailable: .serviceUnavailable
        case .internalError: .internalServerError
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(type, forKey: DynamicKey("type"))
        try container.encode(title, forKey: DynamicKey("title"))
        try container.encode(status, forKey: DynamicKey("status"))
        try container.encode(detail, forKey: DynamicKey("detail"))
        try container.encodeIfPresent(instance, forKey: DynamicKey("instance"))
        try container.encodeIfPresent(requestID, forKey: DynamicKey("request_id"))
        for (key, value) in extensions.sorted(by: { $0.key < $1.key }) {
            try container.encode(value, forKey: DynamicKey(key))
        }
    }

    var json: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    func response() -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/problem+json"
        if let requestID { headers[.requestID] = requestID }
        if let retryAfter = extensions[ChatterError.retryAfterKey] { headers[.retryAfter] = retryAfter }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(data: json)))
    }
}

struct DynamicKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-ID")!
}
