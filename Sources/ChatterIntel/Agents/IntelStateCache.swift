import Foundation
import Synchronization

/// An agent's running states as it last wrote them, decoded. Folding a conversation's next message starts from the
/// stored state JSON; when that is exactly the JSON this cache wrote for the conversation (the usual case: this
/// node runs the agent's group), the decoded value is reused instead of parsing it again. Any other JSON (written by
/// another node, an older revision after a lost race, or a conversation evicted from the cache) is decoded, so the
/// cache changes the cost of a fold, never its result. Bounded to `capacity` conversations, least recently used out.
final class IntelStateCache<State: Codable & Sendable>: Sendable {
    private struct Entry {
        var json: String
        var state: State
        var used: UInt64
    }

    private struct Contents {
        var entries: [String: Entry] = [:]
        var clock: UInt64 = 0
    }

    private let contents = Mutex(Contents())
    let capacity: Int

    init(capacity: Int = 256) {
        self.capacity = capacity
    }

    /// Conversations held.
    var count: Int { contents.withLock { $0.entries.count } }

    /// The state the stored `json` holds (nil when there is none yet).
    func decode(_ json: String?, of conversation: IntelConversation) throws -> State? {
        guard let json else { return nil }
        let key = conversation.conversationID
        let cached = contents.withLock { contents -> State? in
            guard var entry = contents.entries[key], entry.json == json else { return nil }
            contents.clock += 1
            entry.used = contents.clock
            contents.entries[key] = entry
            return entry.state
        }
        if let cached { return cached }
        return try IntelJSON.decodeState(State.self, from: json)
    }

    /// The JSON to store for `state`, remembered with the value for the conversation's next fold.
    func encode(_ state: State, of conversation: IntelConversation) throws -> String {
        let json = try IntelJSON.state(state)
        contents.withLock { contents in
            contents.clock += 1
            contents.entries[conversation.conversationID] = Entry(json: json, state: state, used: contents.clock)
            guard contents.entries.count > capacity else { return }
            // Evict the least recently used quarter at once, so a full cache sorts once per capacity/4 inserts.
            let evicted = contents.entries.sorted { $0.value.used < $1.value.used }.prefix(max(1, capacity / 4))
            for (key, _) in evicted { contents.entries.removeValue(forKey: key) }
        }
        return json
    }
}
