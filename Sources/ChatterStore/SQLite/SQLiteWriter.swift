import ChatterCore
import Foundation
import Logging
import SQLKit

/// SQLite's one writer: a thread that owns a raw connection and commits the scripts waiting for it together
/// (group commit). Each script of a batch runs inside its own savepoint, so one script's failure undoes only that
/// script; the batch then commits once, with one fsync for every durable script in it.
///
/// A script that finds the writer idle (nothing committing, nothing queued) commits on its caller's thread
/// instead: a lone request then pays no hand-off to the writer's thread and back, two wake-ups per commit. Under
/// load the writer is rarely idle, so scripts queue and commit in batches as before. Only one commit runs at a
/// time either way (`writing`), so the connection is never used by two threads at once.
///
/// Checkpoints (copying the WAL back into the database file) run on a second thread with its own connection,
/// not in the committing thread: SQLite's automatic checkpoint would stall every queued commit behind the copy
/// and its fsync, a stall that grows with the database. That thread's passive checkpoints never block a commit;
/// when they cannot keep the WAL short (commits never pause long enough for it to restart), the writer finishes
/// one itself between two batches.
final class SQLiteWriter: @unchecked Sendable {
    private struct Job {
        let script: SQLScript
        let resume: @Sendable (Result<SQLScript.Executed, any Error>) -> Void
    }

    private let connection: RawSQLiteConnection
    /// Used only by the checkpoint thread.
    private let checkpointer: RawSQLiteConnection
    private let dialectSource: any SQLDatabase
    private let synchronous: String
    private let logger: Logger
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var closing = false
    private var finished = false
    private var currentSynchronous = ""
    private var checkpointDue = false
    /// A batch is being committed, by the writer's thread or by a caller that found it idle.
    private var writing = false
    private let checkpointClock = NSCondition()
    private var checkpointerStopping = false
    private var checkpointerFinished = false
    private static let batchLimit = 512
    /// WAL frames (pages) past which the writer checkpoints itself: ~16 MB with 4 KB pages.
    private static let writerCheckpointFrames = 4096
    private static let checkpointInterval: TimeInterval = 0.2

    init(path: String, synchronous: String, dialectSource: any SQLDatabase, logger: Logger) throws {
        self.connection = try RawSQLiteConnection(path: path)
        self.checkpointer = try RawSQLiteConnection(path: path)
        self.synchronous = synchronous
        self.dialectSource = dialectSource
        self.logger = logger
        try connection.execute("PRAGMA wal_autocheckpoint = 0")
        // Each script's savepoint journals the pages it first touches: in memory, not in a temporary file.
        try connection.execute("PRAGMA temp_store = MEMORY")
        // 16 MB of pages (the default is 2 MB): the ledger's, the log's and the agents' hot pages stay in memory.
        try connection.execute("PRAGMA cache_size = -16384")
        try connection.execute("PRAGMA journal_size_limit = \(Self.writerCheckpointFrames * 4096 * 2)")
        let thread = Thread { [self] in self.loop() }
        thread.name = "chatter-sqlite-writer"
        thread.start()
        let checkpointThread = Thread { [self] in self.checkpointLoop() }
        checkpointThread.name = "chatter-sqlite-checkpoint"
        checkpointThread.start()
    }

    /// Runs `script` in the next batch and returns once that batch has committed (or the script failed).
    func run(_ script: SQLScript) async throws -> SQLScript.Executed {
        if let result = commitIfIdle(script) { return try result.get() }
        return try await withCheckedThrowingContinuation { continuation in
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

    /// Commits `script` alone on the calling thread when nothing is being committed or waiting; nil otherwise.
    ///
    /// It never waits for another connection's write lock (a `ChatterDatabase.transaction` holds one): the calling
    /// thread may be the event loop that transaction's own steps need to run on, so waiting there would stall both
    /// until the busy timeout. Then the script queues for the writer's thread, which can wait.
    private func commitIfIdle(_ script: SQLScript) -> Result<SQLScript.Executed, any Error>? {
        condition.lock()
        guard !writing && queue.isEmpty && !closing && !checkpointDue else {
            condition.unlock()
            return nil
        }
        writing = true
        condition.unlock()
        let result = execute([script], waitingForLock: false)?[0]
        condition.lock()
        writing = false
        if !queue.isEmpty || closing { condition.broadcast() }
        condition.unlock()
        return result
    }

    /// Commits what is queued, then stops the thread and closes the connection.
    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        checkpointClock.lock()
        checkpointerStopping = true
        checkpointClock.broadcast()
        while !checkpointerFinished { checkpointClock.wait() }
        checkpointClock.unlock()
        connection.close()
    }

    /// Every `checkpointInterval`, a passive checkpoint: it copies what no reader still needs and never waits.
    private func checkpointLoop() {
        while true {
            checkpointClock.lock()
            while !checkpointerStopping, checkpointClock.wait(until: Date(timeIntervalSinceNow: Self.checkpointInterval)) {}
            let stopping = checkpointerStopping
            checkpointClock.unlock()
            if stopping { break }
            var walFrames = 0
            do {
                if let row = try checkpointer.query("PRAGMA wal_checkpoint(PASSIVE)", []).first {
                    walFrames = try row.decode(column: "log", as: Int.self)
                }
            } catch {
                logger.warning("SQLite checkpoint failed", metadata: ["error": "\(error)"])
            }
            // The WAL restarts only when a write begins with every frame copied back, which a steady stream of
            // commits racing this thread's copies may never allow: past a size, the writer finishes the copy.
            if walFrames > Self.writerCheckpointFrames {
                condition.lock()
                checkpointDue = true
                condition.unlock()
            }
        }
        checkpointer.close()
        checkpointClock.lock()
        checkpointerFinished = true
        checkpointClock.broadcast()
        checkpointClock.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while writing || (queue.isEmpty && !closing) { condition.wait() }
            if queue.isEmpty && closing {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = Array(queue.prefix(Self.batchLimit))
            queue.removeFirst(batch.count)
            let checkpointNow = checkpointDue
            checkpointDue = false
            writing = true
            condition.unlock()
            if checkpointNow { checkpointBetweenBatches() }
            let results = execute(batch.map(\.script), waitingForLock: true)!
            condition.lock()
            writing = false
            condition.unlock()
            for (job, result) in zip(batch, results) { job.resume(result) }
        }
    }

    /// Between batches no commit is appending, so this pass can reach the WAL's end and the next write restarts
    /// it from the beginning.
    private func checkpointBetweenBatches() {
        do { try connection.execute("PRAGMA wal_checkpoint(PASSIVE)") } catch {
            logger.warning("SQLite checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Commits `batch`; nil only when `waitingForLock` is false and another connection holds the write lock.
    private func execute(_ batch: [SQLScript], waitingForLock: Bool) -> [Result<SQLScript.Executed, any Error>]? {
        var results: [Result<SQLScript.Executed, any Error>] = []
        results.reserveCapacity(batch.count)
        do {
            // With synchronous=FULL configured, a batch of only non-durable scripts commits with NORMAL: in WAL
            // mode that survives a crash of the process, and the next FULL commit's fsync carries it to disk.
            let wanted = synchronous == "FULL" && !batch.contains(where: \.durable) ? "NORMAL" : synchronous
            if wanted != currentSynchronous {
                try connection.execute("PRAGMA synchronous = \(wanted)")
                currentSynchronous = wanted
            }
            if waitingForLock {
                try connection.execute("BEGIN IMMEDIATE")
            } else {
                connection.setBusyTimeout(milliseconds: 0)
                defer { connection.setBusyTimeout(milliseconds: RawSQLiteConnection.busyTimeoutMilliseconds) }
                do { try connection.execute("BEGIN IMMEDIATE") } catch let failure as SQLiteFailure where failure.isBusy { return nil }
            }
            // A lone script needs no savepoint: its failure rolls back a transaction that holds nothing else.
            if batch.count == 1 {
                do { results.append(.success(try batch[0].run(on: connection, serializingWith: dialectSource))) } catch {
                    // The script's error is the answer; an error of SQLite's that already ended the transaction
                    // makes this ROLLBACK fail, harmlessly.
                    try? connection.execute("ROLLBACK")
                    return [.failure(error)]
                }
            } else {
                try runIsolated(batch, into: &results)
            }
            try connection.execute("COMMIT")
        } catch {
            logger.error("SQLite batch commit failed", metadata: ["error": "\(error)", "scripts": "\(batch.count)"])
            try? connection.execute("ROLLBACK")
            results = batch.map { _ in .failure(error) }
        }
        return results
    }

    /// Each script of a batch in its own savepoint: a failing one is undone alone.
    private func runIsolated(_ batch: [SQLScript], into results: inout [Result<SQLScript.Executed, any Error>]) throws {
        for script in batch {
            try connection.execute("SAVEPOINT script")
            do {
                results.append(.success(try script.run(on: connection, serializingWith: dialectSource)))
                try connection.execute("RELEASE script")
            } catch {
                try connection.execute("ROLLBACK TO script")
                try connection.execute("RELEASE script")
                results.append(.failure(error))
            }
        }
    }
}
