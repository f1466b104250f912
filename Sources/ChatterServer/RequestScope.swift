import ChatterCore

/// What the middleware learned about the request, visible to the handlers it wraps
/// (the OpenAPI handlers receive only their typed input, so the identity travels as a task local).
enum RequestScope {
    @TaskLocal static var requestID: String = ""
    @TaskLocal static var identity: Identity?

    /// The caller; routes under `/api/v1` are only reached through the authentication middleware,
    /// so a missing identity here is a wiring fault, reported as 401 rather than trusted.
    static func caller() throws -> Identity {
        guard let identity else { throw ChatterError(.unauthorized, "an API key is required") }
        return identity
    }

    static func admin() throws -> Identity {
        let identity = try caller()
        guard identity.isAdmin else { throw ChatterError(.forbidden, "this operation needs an admin key") }
        return identity
    }
}
