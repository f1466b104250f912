import FluentKit

extension ChatterDatabase {
    /// Every migration, in the order it runs. Migrations are additive; a new one goes at the end.
    static let migrations: [any Migration] = [
        CreateTenants(),
        CreateUsers(),
        CreateAPIKeys(),
        CreateConversations(),
        CreateWorkflowExecutions(),
        CreateMessages(),
        CreateLLMCalls(),
        CreateUsageDaily(),
        CreatePrices(),
        CreateEvents(),
        CreateUsageHourly(),
        AddDailyTimings(),
        UpdateConversationsAddMode(),
        UpdateMessagesAddAuthor(),
        CreateConsumerOffsets(),
        CreateIntelStates(),
        CreateMessageAnnotations(),
        CreateConversationInsights(),
        CreateIntelDeadLetters(),
        CreateUsageDailyPurposes(),
        UpdateLLMCallsAddGeneration(),
        UpdateConversationInsightsDropView(),
        UpdateLedgerIndexesPartial(),
    ]
}
