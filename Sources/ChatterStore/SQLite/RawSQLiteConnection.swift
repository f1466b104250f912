import CChatterSQLite
import NIOCore
import SQLiteKit
import SQLKit
import VaporCSQLite

/// A libsqlite3 connection used directly, with its prepared statements kept: no event loop, no thread pool.
///
/// It links the same libsqlite3 copy as SQLiteNIO (the `sqlite_nio_`-prefixed build), so SQLite's own file
/// locking coordinates it with the FluentKit connection on the same file. Not thread-safe: its owner
/// serialises every use (the writer's thread, or a lock).
final class RawSQLiteConnection {
    private var handle: OpaquePointer?
    private var statements: [StatementKey: OpaquePointer] = [:]
    private static let statementCacheLimit = 256
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    static let busyTimeoutMilliseconds: Int32 = 10_000

    init(path: String) throws {
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        var handle: OpaquePointer?
        let status = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard status == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close(handle)
            throw SQLiteFailure(code: status, message: "cannot open the SQLite database: \(message)")
        }
        self.handle = handle
        sqlite_nio_sqlite3_busy_timeout(handle, Self.busyTimeoutMilliseconds)
        // Plans that do not depend on bound values. Without this, SQLite 3.54 marks a statement such as
        // `… WHERE conversation_id = ? ORDER BY seq` to be compiled again whenever a value is bound, so statements kept
        // prepared (the history read, the event log's reads) were compiled again at every run.
        let planned = chatter_sqlite_enable_qpsg(UnsafeMutableRawPointer(handle))
        guard planned == SQLITE_OK else {
            sqlite_nio_sqlite3_close(handle)
            self.handle = nil
            throw SQLiteFailure(code: planned, message: "cannot configure the SQLite connection")
        }
        try execute("PRAGMA foreign_keys = ON")
    }

    deinit {
        close()
    }

    func close() {
        for statement in statements.values { sqlite_nio_sqlite3_finalize(statement) }
        statements.removeAll()
        if let handle { sqlite_nio_sqlite3_close_v2(handle) }
        handle = nil
    }

    /// How long a statement waits for another connection's lock before failing with SQLITE_BUSY.
    func setBusyTimeout(milliseconds: Int32) {
        if let handle { sqlite_nio_sqlite3_busy_timeout(handle, milliseconds) }
    }

    /// Runs SQL without binds or results (pragmas, BEGIN, COMMIT, SAVEPOINT …); statements are kept prepared.
    func execute(_ sql: String) throws {
        _ = try query(sql, [])
    }

    /// Runs a serialized SQLKit statement: its binds become SQLite values, the common kinds without the encoder.
    func query(_ serializer: SQLSerializer) throws -> [RawSQLiteRow] {
        try query(serializer.sql, serializer.binds.map(Self.value(of:)))
    }

    /// A bind as an SQLite value. Text and integers, most binds, are cast directly: the encoder looks up each
    /// value's conformance to `SQLiteDataConvertible`, which was about 2% of a chat turn's CPU. Everything else
    /// (nil, Bool, Double, Data, …) goes through it, as before.
    static func value(of bind: any Encodable & Sendable) throws -> SQLiteData {
        switch bind {
        case let text as String: .text(text)
        case let integer as Int64: .integer(Int(integer))
        case let integer as Int: .integer(integer)
        default: try SQLiteDataEncoder().encode(bind)
        }
    }

    /// Runs one statement with positional binds and returns its rows.
    func query(_ sql: String, _ binds: [SQLiteData]) throws -> [RawSQLiteRow] {
        let statement = try prepared(sql)
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        for (offset, value) in binds.enumerated() {
            try bind(value, at: Int32(offset + 1), in: statement)
        }
        let columnCount = sqlite_nio_sqlite3_column_count(statement)
        var columns: RawSQLiteRow.Columns?
        var rows: [RawSQLiteRow] = []
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw failure(status) }
            if columns == nil {
                columns = RawSQLiteRow.Columns(names: (0..<columnCount).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) })
            }
            rows.append(RawSQLiteRow(columns: columns!, values: (0..<columnCount).map { value(at: $0, in: statement) }))
        }
        return rows
    }

    /// How many times SQLite compiled the kept statement for `sql` again since it was prepared (nil if it is not kept).
    func recompilations(of sql: String) -> Int32? {
        statements[StatementKey(sql)].map { sqlite_nio_sqlite3_stmt_status($0, SQLITE_STMTSTATUS_REPREPARE, 0) }
    }

    private func prepared(_ sql: String) throws -> OpaquePointer {
        let key = StatementKey(sql)
        if let statement = statements[key] { return statement }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else { throw failure(status) }
        if statements.count >= Self.statementCacheLimit {
            for kept in statements.values { sqlite_nio_sqlite3_finalize(kept) }
            statements.removeAll()
        }
        statements[key] = statement
        return statement
    }

    private func bind(_ value: SQLiteData, at index: Int32, in statement: OpaquePointer) throws {
        let status: Int32
        switch value {
        case .integer(let integer): status = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(integer))
        case .float(let double): status = sqlite_nio_sqlite3_bind_double(statement, index, double)
        case .text(let text): status = sqlite_nio_sqlite3_bind_text(statement, index, text, -1, Self.transient)
        case .blob(let buffer):
            status = buffer.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), Self.transient)
            }
        case .null: status = sqlite_nio_sqlite3_bind_null(statement, index)
        }
        guard status == SQLITE_OK else { throw failure(status) }
    }

    private func value(at column: Int32, in statement: OpaquePointer) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT: return .text(sqlite_nio_sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column), count > 0 {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func failure(_ status: Int32) -> SQLiteFailure {
        SQLiteFailure(code: status, message: handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "closed connection")
    }
}

/// An error from libsqlite3, with its extended result code.
struct SQLiteFailure: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
    /// Another connection holds the lock (SQLITE_BUSY, any extended code).
    var isBusy: Bool { code & 0xFF == SQLITE_BUSY }
}

/// A row read by `RawSQLiteConnection`, decodable like any SQLKit row.
struct RawSQLiteRow: SQLRow {
    final class Columns: Sendable {
        let names: [String]
        let index: [String: Int]

        init(names: [String]) {
            self.names = names
            self.index = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        }
    }

    let columns: Columns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index[column] != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let offset = columns.index[column] else { return true }
        return values[offset] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let offset = columns.index[column] else {
            throw SQLiteFailure(code: 1, message: "no column \(column) in the result")
        }
        let value = values[offset]
        // The column types the stores read, without the Codable machinery (a large share of a read's time).
        switch value {
        case .text(let text):
            if let decoded = text as? D { return decoded }
        case .integer(let integer):
            if let decoded = Int64(integer) as? D { return decoded }
            if let decoded = integer as? D { return decoded }
        case .null:
            if let optional = D.self as? any ExpressibleByNilLiteral.Type, let decoded = optional.init(nilLiteral: ()) as? D {
                return decoded
            }
        default:
            break
        }
        return try SQLiteDataDecoder().decode(D.self, from: value)
    }
}

/// A kept statement's SQL as the cache's key. Hashing the whole text (a ledger script's statements are up to 1.5 KB, and
/// every one is looked up at every run) cost more than the lookup is worth: the key hashes its length and its last
/// bytes, where statements of one length differ, and compares the whole text.
struct StatementKey: Hashable {
    let sql: String

    init(_ sql: String) {
        self.sql = sql
    }

    func hash(into hasher: inout Hasher) {
        var sql = sql
        sql.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[max(0, bytes.count - 48)...])))
        }
    }
}
