import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A TCP exchange below HTTP, for bytes no HTTP client would send. The blocking socket calls run on a thread of
/// their own: on the concurrency pool (two threads here) they could starve the server's own tasks (the WebSocket
/// upgrade's authentication runs as one).
enum RawSocket {
    struct Failure: Error { var what: String }

    /// Sends `text` to 127.0.0.1:`port` and returns everything read until the server closes the connection;
    /// throws if it is still open after `seconds`.
    static func exchange(port: Int, _ text: String, seconds: Int = 10) async throws -> String {
        try await onOwnThread { try blockingExchange(port: port, text, seconds: seconds) }
    }

    /// Sends `text` (a WebSocket handshake), reads the response head, then resets the connection (SO_LINGER 0, so
    /// the server sees ECONNRESET rather than an orderly close). Returns the response head.
    static func resetAfterResponseHead(port: Int, _ text: String, seconds: Int = 10) async throws -> String {
        try await onOwnThread { try blockingResetAfterResponseHead(port: port, text, seconds: seconds) }
    }

    /// Sends `text` (a request), waits `milliseconds` without reading, then closes the connection: a client that
    /// leaves before its answer.
    static func sendAndLeave(port: Int, _ text: String, afterMilliseconds milliseconds: Int) async throws {
        try await onOwnThread {
            let descriptor = try connected(port: port, seconds: 10)
            defer { close(descriptor) }
            try send(text, on: descriptor)
            usleep(useconds_t(milliseconds * 1000))
        }
    }

    /// A port on 127.0.0.1 that refuses connections for as long as the returned socket is open: bound, never
    /// listening. A port freed by a stopped server could be taken at once by another test's server.
    static func refusingPort() throws -> (port: Int, socket: Int32) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(what: "socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard bound else {
            close(descriptor)
            throw Failure(what: "bind")
        }
        return (Int(UInt16(bigEndian: address.sin_port)), descriptor)
    }

    private static func onOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    private static func blockingExchange(port: Int, _ text: String, seconds: Int) throws -> String {
        let descriptor = try connected(port: port, seconds: seconds)
        defer { close(descriptor) }
        try send(text, on: descriptor)
        return try String(decoding: receive(on: descriptor, seconds: seconds) { _ in false }, as: UTF8.self)
    }

    private static func blockingResetAfterResponseHead(port: Int, _ text: String, seconds: Int) throws -> String {
        let descriptor = try connected(port: port, seconds: seconds)
        try send(text, on: descriptor)
        let head = try receive(on: descriptor, seconds: seconds) { received in received.suffix(4) == Array("\r\n\r\n".utf8) }
        var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        close(descriptor)
        return String(decoding: head, as: UTF8.self)
    }

    private static func connected(port: Int, seconds: Int) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(what: "socket") }
        var timeout = timeval(tv_sec: seconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(descriptor)
            throw Failure(what: "connect")
        }
        return descriptor
    }

    private static func send(_ text: String, on descriptor: Int32) throws {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return }
        guard Glibc.send(descriptor, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw Failure(what: "send") }
    }

    /// Reads byte by byte until the server closes the connection or `enough` holds of what was read.
    private static func receive(on descriptor: Int32, seconds: Int, until enough: ([UInt8]) -> Bool) throws -> [UInt8] {
        var received: [UInt8] = []
        var byte: UInt8 = 0
        while !enough(received) {
            let count = recv(descriptor, &byte, 1, 0)
            if count == 0 { break }
            if count < 0 {
                // A server that closes with request bytes still unread sends a reset after its answer.
                if errno == ECONNRESET, !received.isEmpty { break }
                if errno == EAGAIN || errno == EWOULDBLOCK { throw Failure(what: "the connection was still open after \(seconds) s") }
                throw Failure(what: "recv failed (errno \(errno))")
            }
            received.append(byte)
        }
        return received
    }
}
