import ChatterCore
import Foundation
import Logging
import SQLKit

/// SQLite's one writer: a thread that owns a raw connection and commits the scripts waiting for it together
/// (group commit). Each script runs inside its own savepoint, so one script's failure undoes only that script;
/// the batch then commits once, with one fsync for every durable script in it.
final class SQLiteWriter: @unchecked Sendable {
    private struct Job {
        let script: SQLScript
        let resume: @Sendable (Result<SQLScript.Executed, any Error>) -> Void
    }

    private let connection: RawSQLiteConnection
    private let dialectSource: any SQLDatabase
    private let synchronous: String
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var closing = false
    private var finished = false
    private var currentSynchronous = ""
    private static let batchLimit = 512

    init(path: String, synchronous: String, dialectSource: any SQLDatabase, logger: Logger) throws {
        self.connection = try RawSQLiteConnection(path: path)
        self.synchronous = synchronous
        self.dialectSource = dialectSource
        self.logger = logger
        let thread = Thread { [self] in self.loop() }
        thread.name = "chatter-sqlite-writer"
        thread.start()
    }

    /// Runs `script` in the next batch and returns once that batch has committed (or the script failed).
    func run(_ script: SQLScript) async throws -> SQLScript.Executed {
        try await withCheckedThrowingContinuation { continuation in
            condition.lock()
            guard !closing else {
                condition.unlock()
                continuation.resume(throwing: ChatterError(.unavailable, "the database is shutting down"))
                return
            }
            queue.append(Job(script: script, resume: { continuation.resume(with: $0) }))
            condition.signal()
            condition.unlock()
        }
    }

    /// Commits what is queued, then stops the thread and closes the connection.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        connection.close()
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty && closing {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = Array(queue.prefix(Self.batchLimit))
            queue.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [Job]) {
        var results: [Result<SQLScript.Executed, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            // With synchronous=FULL configured, a batch of only non-durable scripts commits with NORMAL: in WAL
            // mode that survives a crash of the process, and the next FULL commit's fsync carries it to disk.
            let wanted = synchronous == "FULL" && !batch.contains(where: \.script.durable) ? "NORMAL" : synchronous
            if wanted != currentSynchronous {
                try connection.execute("PRAGMA synchronous = \(wanted)")
                currentSynchronous = wanted
            }
            try connection.execute("BEGIN IMMEDIATE")
            for job in batch {
                try connection.execute("SAVEPOINT script")
                do {
                    results.append(.success(try job.script.run(on: connection, serializingWith: dialectSource)))
                    try connection.execute("RELEASE script")
                } catch {
                    try connection.execute("ROLLBACK TO script")
                    try connection.execute("RELEASE script")
                    results.append(.failure(error))
                }
            }
            try connection.execute("COMMIT")
        } catch {
            logger.error("SQLite batch commit failed", metadata: ["error": "\(error)", "scripts": "\(batch.count)"])
            try? connection.execute("ROLLBACK")
            results = batch.map { _ in .failure(error) }
        }
        for (job, result) in zip(batch, results) { job.resume(result) }
    }
}
