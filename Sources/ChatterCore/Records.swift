/// Who is calling: resolved from an API key, and the scope of every query made on their behalf.
public struct Identity: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        case admin, member
    }

    public var tenantID: String
    public var userID: String
    public var apiKeyID: String
    public var role: Role

    public init(tenantID: String, userID: String, apiKeyID: String, role: Role) {
        self.tenantID = tenantID
        self.userID = userID
        self.apiKeyID = apiKeyID
        self.role = role
    }

    public var isAdmin: Bool { role == .admin }
}

/// Token and cost totals derived from `llm_calls` (conversation, execution, rollup).
public struct UsageTotals: Sendable, Equatable, Codable {
    public var calls: Int64
    public var inputTokens: Int64
    public var cachedInputTokens: Int64
    public var cacheWriteTokens: Int64
    public var outputTokens: Int64
    public var reasoningTokens: Int64
    public var costNanoUSD: Int64
    public var unpricedCalls: Int64

    public init(
        calls: Int64 = 0, inputTokens: Int64 = 0, cachedInputTokens: Int64 = 0, cacheWriteTokens: Int64 = 0,
        outputTokens: Int64 = 0, reasoningTokens: Int64 = 0, costNanoUSD: Int64 = 0, unpricedCalls: Int64 = 0
    ) {
        self.calls = calls
        self.inputTokens = inputTokens
        self.cachedInputTokens = cachedInputTokens
        self.cacheWriteTokens = cacheWriteTokens
        self.outputTokens = outputTokens
        self.reasoningTokens = reasoningTokens
        self.costNanoUSD = costNanoUSD
        self.unpricedCalls = unpricedCalls
    }

    public var totalTokens: Int64 { inputTokens + outputTokens }
}

/// What a conversation is for: `assistant` chats get an LLM reply to each user message; `observe` conversations
/// record a human support conversation (customer and agent messages) for the intelligence agents, with no reply.
public enum ConversationMode: String, Sendable, Codable, CaseIterable {
    case assistant, observe
}

public struct Conversation: Sendable, Equatable {
    public var id: String
    public var mode: ConversationMode
    public var tenantID: String
    public var userID: String
    public var title: String?
    public var model: String?
    public var systemPrompt: String?
    public var messageCount: Int64
    public var totals: UsageTotals
    public var lastMessageAtMilliseconds: Int64?
    public var createdAtMilliseconds: Int64
    public var updatedAtMilliseconds: Int64

    public init(
        id: String, tenantID: String, userID: String, title: String?, model: String?, systemPrompt: String?,
        messageCount: Int64, totals: UsageTotals, lastMessageAtMilliseconds: Int64?, createdAtMilliseconds: Int64,
        updatedAtMilliseconds: Int64, mode: ConversationMode = .assistant
    ) {
        self.id = id
        self.mode = mode
        self.tenantID = tenantID
        self.userID = userID
        self.title = title
        self.model = model
        self.systemPrompt = systemPrompt
        self.messageCount = messageCount
        self.totals = totals
        self.lastMessageAtMilliseconds = lastMessageAtMilliseconds
        self.createdAtMilliseconds = createdAtMilliseconds
        self.updatedAtMilliseconds = updatedAtMilliseconds
    }
}

/// A stored message. Assistant messages carry the usage and cost of the call that produced them;
/// user messages carry none (nil, not zero).
public struct Message: Sendable, Equatable {
    /// `user` and `assistant` in assistant chats; `customer` and `agent` in observed conversations.
    public enum Role: String, Sendable, Codable {
        case user, assistant, customer, agent
    }

    public var id: String
    public var conversationID: String
    /// Who wrote an observed message (an agent's name, a customer's handle), as the client gave it.
    public var author: String?
    public var seq: Int64
    public var role: Role
    public var content: String
    public var executionID: String?
    public var llmCallID: String?
    public var provider: String?
    public var model: String?
    public var usage: Usage?
    public var costNanoUSD: Int64?
    public var finishReason: String?
    public var latencyMilliseconds: Int64?
    public var ttftMilliseconds: Int64?
    public var createdAtMilliseconds: Int64

    public init(
        id: String, conversationID: String, seq: Int64, role: Role, content: String, executionID: String?,
        llmCallID: String?, provider: String?, model: String?, usage: Usage?, costNanoUSD: Int64?,
        finishReason: String?, latencyMilliseconds: Int64?, ttftMilliseconds: Int64?, createdAtMilliseconds: Int64, author: String? = nil
    ) {
        self.id = id
        self.author = author
        self.conversationID = conversationID
        self.seq = seq
        self.role = role
        self.content = content
        self.executionID = executionID
        self.llmCallID = llmCallID
        self.provider = provider
        self.model = model
        self.usage = usage
        self.costNanoUSD = costNanoUSD
        self.finishReason = finishReason
        self.latencyMilliseconds = latencyMilliseconds
        self.ttftMilliseconds = ttftMilliseconds
        self.createdAtMilliseconds = createdAtMilliseconds
    }
}

public struct APIKey: Sendable, Equatable {
    public var id: String
    public var tenantID: String
    public var userID: String
    public var name: String
    public var prefix: String
    public var role: Identity.Role
    public var createdAtMilliseconds: Int64
    public var revokedAtMilliseconds: Int64?

    public init(
        id: String, tenantID: String, userID: String, name: String, prefix: String, role: Identity.Role,
        createdAtMilliseconds: Int64, revokedAtMilliseconds: Int64?
    ) {
        self.id = id
        self.tenantID = tenantID
        self.userID = userID
        self.name = name
        self.prefix = prefix
        self.role = role
        self.createdAtMilliseconds = createdAtMilliseconds
        self.revokedAtMilliseconds = revokedAtMilliseconds
    }
}

/// A key as created: the only moment its secret exists outside the caller's hands.
public struct IssuedAPIKey: Sendable {
    public var key: APIKey
    public var secret: String

    public init(key: APIKey, secret: String) {
        self.key = key
        self.secret = secret
    }
}

public enum Clock {
    public static func nowMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }
}

import Foundation
