import ChatterCore
import ChatterIntel
import ChatterStore
import Logging
import ServiceLifecycle

/// One agent's consumer group on the event log (`message.created`). It reads a batch after its offset, runs the
/// agent per conversation (messages of one conversation in order, conversations in parallel), and commits the
/// results with the offset advance in one transaction, so each message is analysed exactly once however the
/// process stops. A message the agent keeps failing on goes to the dead-letter table and the stream moves on.
struct IntelConsumer: Sendable {
    let agent: any IntelAgent
    let store: IntelStore
    let events: EventStore
    let redactor: PIIDetector
    let settings: IntelSettings
    let observer: IntelObserver
    let logger: Logger

    var name: String { "intel.\(agent.kind.rawValue)" }

    /// Follows the log until cancelled: woken by this node's commits and by a poll for other nodes'.
    func run(wakeups: AsyncStream<Void>) async {
        let (kicks, kick) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let forward = Task {
            for await _ in wakeups { kick.yield() }
        }
        let ticker = Task { [pollInterval = settings.pollInterval] in
            while !Task.isCancelled {
                kick.yield()
                try? await Task.sleep(for: pollInterval)
            }
        }
        defer {
            forward.cancel()
            ticker.cancel()
        }
        // Where reading has reached, and the offset as stored. They differ only after stretches of the log with no
        // message (the agents' own `intel.updated`, chat events): passing over those is written with the next
        // batch that has messages, or on its own once `offsetSaveInterval` has passed, not once per wake-up.
        var offset: (read: Int64, stored: Int64)?
        var lastSave = ContinuousClock.now
        var lastRetryCheck = ContinuousClock.now - .seconds(3600)
        for await _ in kicks.cancelOnGracefulShutdown() {
            do {
                if ContinuousClock.now - lastRetryCheck > settings.retryCheckInterval || observer.takeRetryRequest(for: agent.kind) {
                    lastRetryCheck = .now
                    try await replayRetries()
                }
                var position: (read: Int64, stored: Int64)
                if let offset {
                    position = offset
                } else {
                    let stored = try await store.offset(of: name)
                    position = (stored, stored)
                }
                offset = position
                while !Task.isCancelled {
                    let upTo = try await events.latestSeq()
                    guard upTo > position.read else { break }
                    position = try await consume(after: position, upTo: upTo)
                    if position.stored == position.read { lastSave = .now }
                    offset = position
                    // Read to where the log ended: what was committed since has woken this consumer again.
                    if position.read >= upTo { break }
                }
                if position.stored != position.read, ContinuousClock.now - lastSave >= settings.offsetSaveInterval {
                    try await store.commit(IntelStore.AgentCommit(agent: agent.kind.rawValue, offset: (name, position.stored, position.read), outputs: []))
                    lastSave = .now
                    offset = (position.read, position.read)
                }
            } catch {
                // A lost race (another node committed this group first) or a database fault: start again from the
                // stored offset. The uncommitted batch left no trace.
                offset = nil
                if (error as? ChatterError)?.kind != .conflict {
                    logger.error("intelligence consumer failed; retrying", metadata: ["consumer": "\(name)", "error": "\(error)"])
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Analyses one batch and commits it with the offset advance; returns the new read and stored offsets. A batch
    /// with no message commits nothing: the read offset moves, the stored one stays.
    func consume(after offset: (read: Int64, stored: Int64), upTo: Int64) async throws -> (read: Int64, stored: Int64) {
        let batch = try await store.messages(after: offset.read, upTo: upTo, limit: settings.batchSize)
        guard !batch.messages.isEmpty else { return (batch.nextOffset, offset.stored) }
        let byConversation = Dictionary(grouping: batch.messages, by: \.conversationID)
        let states = try await store.states(agent: agent.kind.rawValue, conversationIDs: Array(byConversation.keys))
        let results = await analyse(byConversation.values.map { $0 }, states: states)
        try await store.commit(
            IntelStore.AgentCommit(
                agent: agent.kind.rawValue, offset: (name, offset.stored, batch.nextOffset), outputs: results.flatMap(\.outputs),
                deadLetters: results.flatMap(\.deadLetters)
            )
        )
        observer.processed(agent.kind, messages: batch.messages.count, deadLetters: results.reduce(0) { $0 + $1.deadLetters.count })
        return (batch.nextOffset, batch.nextOffset)
    }

    struct ConversationResult: Sendable {
        var outputs: [IntelStore.ConversationOutput] = []
        var deadLetters: [IntelStore.DeadLetterDraft] = []
    }

    /// Runs the agent on each conversation's messages, at most `settings.parallelConversations` at a time.
    func analyse(_ groups: [[IntelStore.PendingMessage]], states: [String: IntelStore.AgentState]) async -> [ConversationResult] {
        if settings.parallelConversations <= 1 || groups.count <= 1 {
            var results: [ConversationResult] = []
            for group in groups { results.append(await analyse(group, state: states[group[0].conversationID])) }
            return results
        }
        return await withTaskGroup(of: ConversationResult.self) { tasks in
            var results: [ConversationResult] = []
            var next = groups.makeIterator()
            for _ in 0..<settings.parallelConversations {
                guard let group = next.next() else { break }
                tasks.addTask { await analyse(group, state: states[group[0].conversationID]) }
            }
            for await result in tasks {
                results.append(result)
                if let group = next.next() { tasks.addTask { await analyse(group, state: states[group[0].conversationID]) } }
            }
            return results
        }
    }

    /// One conversation's new messages: all at once (a summary sees every message after its watermark, however
    /// fast they came); when that keeps failing, one at a time, so only the message at fault is dead-lettered.
    func analyse(_ messages: [IntelStore.PendingMessage], state: IntelStore.AgentState?) async -> ConversationResult {
        // A message at or before the watermark is already in the state: a redelivery is ignored.
        let fresh = messages.filter { $0.seq > (state?.watermarkSeq ?? 0) }.sorted { $0.seq < $1.seq }
        guard let first = fresh.first else { return ConversationResult() }
        let conversation = IntelConversation(tenantID: first.tenantID, userID: first.userID, conversationID: first.conversationID)
        if let outcome = try? await withAttempts({ try await agent.process(fresh.map(intelMessage), of: conversation, state: state?.state) }) {
            return ConversationResult(outputs: [output(outcome, of: fresh, previousRev: state?.rev)])
        }
        var result = ConversationResult()
        let previousRev = state?.rev
        var currentState = state?.state
        var folded: [IntelStore.PendingMessage] = []
        var lastOutcome: IntelOutcome?
        for message in fresh {
            do {
                let outcome = try await withAttempts { try await agent.process([intelMessage(message)], of: conversation, state: currentState) }
                currentState = outcome.state
                folded.append(message)
                lastOutcome = merge(lastOutcome, outcome)
            } catch {
                result.deadLetters.append(IntelStore.DeadLetterDraft(message: message, error: String(describing: error).prefix(500).description, attempts: settings.maxAttempts))
                logger.error("intelligence agent gave up on a message", metadata: ["consumer": "\(name)", "message_id": "\(message.messageID)", "error": "\(error)"])
            }
        }
        if let lastOutcome { result.outputs = [output(lastOutcome, of: folded, previousRev: previousRev)] }
        return result
    }

    /// Outcomes folded one message at a time: the latest state and view, every annotation.
    func merge(_ earlier: IntelOutcome?, _ later: IntelOutcome) -> IntelOutcome {
        guard var merged = earlier else { return later }
        merged.annotations += later.annotations
        merged.state = later.state
        merged.view = later.view
        merged.engine = later.engine
        merged.degradedReason = later.degradedReason ?? merged.degradedReason
        merged.hasPII = merged.hasPII || later.hasPII
        return merged
    }

    func withAttempts<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch {
                guard attempt < settings.maxAttempts, !Task.isCancelled else { throw error }
                try? await Task.sleep(for: settings.retryBackoff * (1 << (attempt - 1)))
                attempt += 1
            }
        }
    }

    /// The PII agent reads the text as written; every other agent only ever sees it redacted.
    func intelMessage(_ message: IntelStore.PendingMessage) -> IntelMessage {
        let text = agent.kind == .pii ? message.content : redactor.redact(message.content)
        return IntelMessage(id: message.messageID, seq: message.seq, role: SpeakerRole(messageRole: message.role), text: text)
    }

    func output(_ outcome: IntelOutcome, of messages: [IntelStore.PendingMessage], previousRev: Int64?) -> IntelStore.ConversationOutput {
        let first = messages[0]
        return IntelStore.ConversationOutput(
            tenantID: first.tenantID, userID: first.userID, conversationID: first.conversationID, previousRev: previousRev,
            watermarkSeq: messages.map(\.seq).max() ?? 0, engine: outcome.engine, degradedReason: outcome.degradedReason,
            state: outcome.state, view: outcome.view, hasPII: outcome.hasPII,
            annotations: outcome.annotations.map { .init(messageID: $0.messageID, seq: $0.seq, json: $0.json) }
        )
    }
}
