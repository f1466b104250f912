import ChatterAPI
import ChatterCore
import ChatterStore
import Foundation

typealias Schemas = Components.Schemas

extension Date {
    init(milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }
}

extension Schemas.Conversation {
    init(_ conversation: Conversation) {
        let totals = conversation.totals
        self.init(
            id: conversation.id,
            mode: .init(rawValue: conversation.mode.rawValue),
            title: conversation.title,
            model: conversation.model,
            systemPrompt: conversation.systemPrompt,
            messageCount: conversation.messageCount,
            calls: totals.calls,
            inputTokens: totals.inputTokens,
            cachedInputTokens: totals.cachedInputTokens,
            cacheWriteTokens: totals.cacheWriteTokens,
            outputTokens: totals.outputTokens,
            reasoningTokens: totals.reasoningTokens,
            totalTokens: totals.totalTokens,
            costNanousd: totals.costNanoUSD,
            unpricedCalls: totals.unpricedCalls,
            lastMessageAt: conversation.lastMessageAtMilliseconds.map(Date.init(milliseconds:)),
            createdAt: Date(milliseconds: conversation.createdAtMilliseconds),
            updatedAt: Date(milliseconds: conversation.updatedAtMilliseconds)
        )
    }
}

extension Schemas.Message {
    init(_ message: Message, annotations: [IntelStore.Annotation]? = nil) {
        let usage = message.usage
        self.init(
            id: message.id,
            conversationId: message.conversationID,
            seq: message.seq,
            role: Self.RolePayload(rawValue: message.role.rawValue) ?? .user,
            author: message.author,
            content: message.content,
            executionId: message.executionID,
            llmCallId: message.llmCallID,
            provider: message.provider,
            model: message.model,
            inputTokens: usage?.inputTokens,
            cachedInputTokens: usage?.cachedInputTokens,
            cacheWriteTokens: usage?.cacheWriteTokens,
            outputTokens: usage?.outputTokens,
            reasoningTokens: usage?.reasoningTokens,
            totalTokens: usage?.totalTokens,
            costNanousd: message.costNanoUSD,
            usageSource: usage?.source.rawValue,
            finishReason: message.finishReason,
            latencyMs: message.latencyMilliseconds,
            ttftMs: message.ttftMilliseconds,
            createdAt: Date(milliseconds: message.createdAtMilliseconds),
            annotations: annotations.flatMap(Self.annotations)
        )
    }

    /// By agent: the engine, the degradation and the result (stored as JSON, decoded into the generated container).
    static func annotations(_ annotations: [IntelStore.Annotation]) -> AnnotationsPayload? {
        guard !annotations.isEmpty else { return nil }
        var object = JSONObjectWriter()
        for annotation in annotations {
            var entry = JSONObjectWriter()
            entry["engine"] = .string(annotation.engine)
            entry["degraded"] = .bool(annotation.degradedReason != nil)
            entry["degraded_reason"] = .optionalString(annotation.degradedReason)
            entry["result"] = .rawJSON(annotation.result)
            object[annotation.agent] = .object(entry)
        }
        return try? JSONDecoder().decode(AnnotationsPayload.self, from: Data(object.json.utf8))
    }
}

extension Schemas.UsageTotals {
    init(_ totals: UsageTotals, failedCalls: Int64) {
        self.init(
            calls: totals.calls,
            failedCalls: failedCalls,
            inputTokens: totals.inputTokens,
            cachedInputTokens: totals.cachedInputTokens,
            cacheWriteTokens: totals.cacheWriteTokens,
            outputTokens: totals.outputTokens,
            reasoningTokens: totals.reasoningTokens,
            totalTokens: totals.totalTokens,
            costNanousd: totals.costNanoUSD,
            unpricedCalls: totals.unpricedCalls
        )
    }
}

extension Schemas.Price {
    init(_ entry: PriceEntry) {
        self.init(
            id: entry.id,
            provider: entry.provider,
            model: entry.model,
            inputPerMtokNanousd: entry.inputPerMTokNanoUSD,
            cachedInputPerMtokNanousd: entry.cachedInputPerMTokNanoUSD,
            cacheWritePerMtokNanousd: entry.cacheWritePerMTokNanoUSD,
            outputPerMtokNanousd: entry.outputPerMTokNanoUSD,
            effectiveFrom: entry.effectiveFrom,
            source: entry.source
        )
    }
}

extension Schemas.APIKey {
    init(_ key: APIKey) {
        self.init(
            id: key.id,
            userId: key.userID,
            name: key.name,
            prefix: key.prefix,
            role: key.role == .admin ? .admin : .member,
            createdAt: Date(milliseconds: key.createdAtMilliseconds),
            revokedAt: key.revokedAtMilliseconds.map(Date.init(milliseconds:))
        )
    }
}

extension JSONEncoder {
    /// The wire's encoder: ISO-8601 times with `Z`, as the generated server encodes them.
    static let api: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
