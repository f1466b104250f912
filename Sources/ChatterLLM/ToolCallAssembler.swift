/// Puts streamed tool-call fragments back together: id and name arrive once, arguments in pieces.
struct ToolCallAssembler {
    private var byIndex: [Int: ToolCall] = [:]

    mutating func add(_ delta: ChatDelta) {
        guard case .toolCall(let index, let id, let name, let arguments) = delta else { return }
        var call = byIndex[index] ?? ToolCall(id: "", name: "", arguments: "")
        if let id, !id.isEmpty { call.id = id }
        if let name, !name.isEmpty { call.name = name }
        call.arguments += arguments
        byIndex[index] = call
    }

    var calls: [ToolCall] { byIndex.keys.sorted().map { byIndex[$0]! } }
}
