import FluentKit
import SQLKit

/// The provider's own generation time of a call, when it reports one (Ollama's `eval_duration`), in
/// microseconds: tokens per second are output tokens over it.
struct UpdateLLMCallsAddGeneration: AsyncMigration {
    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE llm_calls ADD COLUMN generation_us BIGINT").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE llm_calls DROP COLUMN generation_us").run()
    }
}
