import Synchronization

/// Writes what Foundation's `JSONEncoder` writes with `[.sortedKeys, .withoutEscapingSlashes]` (and, for views,
/// `.convertToSnakeCase`), byte for byte, for the agents' states and views: plain Codable values (structs, enums,
/// arrays, string-keyed dictionaries, strings, numbers, booleans, optionals). Not covered, because no state holds
/// them: `Data` and `Date` (no base64 or date strategies), and titlecase letters in property names. Foundation's
/// encoder was about a tenth of the server's CPU with the agents running; this one builds a small tree and writes it
/// once.
struct IntelJSONEncoder {
    var snakeCaseKeys = false

    func encode(_ value: some Encodable) throws -> String {
        let root = try TreeEncoder(snakeCaseKeys: snakeCaseKeys, codingPath: []).box(value)
        var out: [UInt8] = []
        out.reserveCapacity(512)
        root.write(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Conversions already made: the keys are property names, a small fixed set (bounded here all the same).
    private static let snakeCaseNames = Mutex<[String: String]>([:])

    static func cachedSnakeCase(_ key: String) -> String {
        if let known = snakeCaseNames.withLock({ $0[key] }) { return known }
        let converted = snakeCase(key)
        snakeCaseNames.withLock { names in
            if names.count < 4096 { names[key] = converted }
        }
        return converted
    }

    /// Foundation's camelCase → snake_case: a word starts at each capital; a run of capitals is one word, except
    /// that its last capital starts the next word when a lowercase letter follows it ("HTTPStatus" → "h_ttp_status").
    static func snakeCase(_ key: String) -> String {
        let characters = Array(key)
        guard !characters.isEmpty else { return key }
        var words: [Range<Int>] = []
        var wordStart = 0
        var searchFrom = 1
        while let upper = characters[searchFrom...].firstIndex(where: \.isUppercase) {
            words.append(wordStart..<upper)
            guard let lower = characters[upper...].firstIndex(where: \.isLowercase) else {
                wordStart = upper
                searchFrom = characters.count
                break
            }
            if lower == upper + 1 {
                wordStart = upper
            } else {
                words.append(upper..<(lower - 1))
                wordStart = lower - 1
            }
            searchFrom = lower + 1
            if searchFrom >= characters.count { break }
        }
        words.append(wordStart..<characters.count)
        return words.map { String(characters[$0]).lowercased() }.joined(separator: "_")
    }
}

/// A JSON value being built.
private enum Node {
    case null
    case bool(Bool)
    /// A number's JSON text.
    case number(String)
    case string(String)
    case array(ArrayNode)
    case object(ObjectNode)

    func write(to out: inout [UInt8]) {
        switch self {
        case .null: out += "null".utf8
        case .bool(let flag): out += (flag ? "true" : "false").utf8
        case .number(let text): out += text.utf8
        case .string(let text): Self.writeString(text, to: &out)
        case .array(let array):
            out.append(UInt8(ascii: "["))
            for (index, item) in array.items.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                item.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let object):
            out.append(UInt8(ascii: "{"))
            let keys = object.members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            for (index, key) in keys.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                Self.writeString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                object.members[key]!.write(to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }
}

extension Node {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Foundation's escaping: quote, backslash, the short forms of \b \f \n \r \t, `\u00xx` for the other controls,
    /// everything else (U+2028 included) as it is. (ChatterCore's event writer also escapes the line separators;
    /// this module depends on nothing, so it keeps its own.)
    static func writeString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += #"\""#.utf8
            case UInt8(ascii: "\\"): out += #"\\"#.utf8
            case 0x08: out += #"\b"#.utf8
            case 0x0C: out += #"\f"#.utf8
            case UInt8(ascii: "\n"): out += #"\n"#.utf8
            case UInt8(ascii: "\r"): out += #"\r"#.utf8
            case UInt8(ascii: "\t"): out += #"\t"#.utf8
            case 0..<0x20:
                out += #"\u00"#.utf8
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    static func integer(_ value: some BinaryInteger) -> Node { .number(String(value)) }

    /// Swift's shortest round-trip form without a trailing ".0", as Foundation writes it. JSON has no NaN or
    /// infinity: like Foundation, refuse them.
    static func floatingPoint(_ value: some FloatingPoint & CustomStringConvertible) throws -> Node {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, EncodingError.Context(codingPath: [], debugDescription: "\(value) is not a JSON number"))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return .number(text)
    }
}

/// Dictionaries keyed by strings are JSON objects whose keys are written as they are (no snake_case), as in Foundation.
private protocol StringKeyedDictionary {
    func node(in encoder: TreeEncoder) throws -> Node
}

extension Dictionary: StringKeyedDictionary where Key == String, Value: Encodable {
    fileprivate func node(in encoder: TreeEncoder) throws -> Node {
        let object = ObjectNode()
        for (key, value) in self { object.members[key] = try encoder.box(value) }
        return .object(object)
    }
}

private final class ArrayNode {
    var items: [Node] = []
}

private final class ObjectNode {
    var members: [String: Node] = [:]
}

private final class TreeEncoder: Encoder, SingleValueEncodingContainer {
    let snakeCaseKeys: Bool
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    /// Where the node goes in its parent, called each time it is set (nested and super encoders).
    let place: ((Node) -> Void)?
    var node: Node? {
        didSet { if let node { place?(node) } }
    }

    /// `existing` is what the parent already holds there (a nested container asked for twice gets the same one).
    init(snakeCaseKeys: Bool, codingPath: [any CodingKey], existing: Node? = nil, place: ((Node) -> Void)? = nil) {
        self.snakeCaseKeys = snakeCaseKeys
        self.codingPath = codingPath
        self.place = place
        self.node = existing
    }

    /// The node for `value`; one that encodes nothing is an empty object, as in Foundation.
    func box(_ value: some Encodable, at key: (any CodingKey)? = nil) throws -> Node {
        switch value {
        case let text as String: return .string(text)
        case let number as Int: return .integer(number)
        case let number as Int64: return .integer(number)
        case let number as Double: return try .floatingPoint(number)
        case let flag as Bool: return .bool(flag)
        // Only snake_case changes how a dictionary's keys are written; the conformance check is not free.
        case let dictionary as any StringKeyedDictionary where snakeCaseKeys: return try dictionary.node(in: self)
        default:
            let child = TreeEncoder(snakeCaseKeys: snakeCaseKeys, codingPath: key.map { codingPath + [$0] } ?? codingPath)
            try value.encode(to: child)
            return child.node ?? .object(ObjectNode())
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: ObjectNode
        if case .object(let existing) = node {
            object = existing
        } else {
            object = ObjectNode()
            node = .object(object)
        }
        return KeyedEncodingContainer(KeyedContainer<Key>(encoder: self, object: object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: ArrayNode
        if case .array(let existing) = node {
            array = existing
        } else {
            array = ArrayNode()
            node = .array(array)
        }
        return UnkeyedContainer(encoder: self, array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { self }

    func encodeNil() throws { node = .null }
    func encode(_ value: Bool) throws { node = .bool(value) }
    func encode(_ value: String) throws { node = .string(value) }
    func encode(_ value: Double) throws { node = try .floatingPoint(value) }
    func encode(_ value: Float) throws { node = try .floatingPoint(value) }
    func encode(_ value: Int) throws { node = .integer(value) }
    func encode(_ value: Int8) throws { node = .integer(value) }
    func encode(_ value: Int16) throws { node = .integer(value) }
    func encode(_ value: Int32) throws { node = .integer(value) }
    func encode(_ value: Int64) throws { node = .integer(value) }
    func encode(_ value: UInt) throws { node = .integer(value) }
    func encode(_ value: UInt8) throws { node = .integer(value) }
    func encode(_ value: UInt16) throws { node = .integer(value) }
    func encode(_ value: UInt32) throws { node = .integer(value) }
    func encode(_ value: UInt64) throws { node = .integer(value) }
    func encode(_ value: some Encodable) throws { node = try box(value) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: TreeEncoder
    let object: ObjectNode
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func name(_ key: Key) -> String {
        encoder.snakeCaseKeys ? IntelJSONEncoder.cachedSnakeCase(key.stringValue) : key.stringValue
    }

    mutating func encodeNil(forKey key: Key) throws { object.members[name(key)] = .null }
    mutating func encode(_ value: Bool, forKey key: Key) throws { object.members[name(key)] = .bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { object.members[name(key)] = .string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { object.members[name(key)] = try .floatingPoint(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { object.members[name(key)] = .integer(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { object.members[name(key)] = .integer(value) }
    mutating func encode(_ value: some Encodable, forKey key: Key) throws {
        object.members[name(key)] = try encoder.box(value, at: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        child(at: key, named: name(key)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        child(at: key, named: name(key)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { child(at: nil, named: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { child(at: key, named: name(key)) }

    /// A child encoder whose node goes under `name`; until it encodes something, that is an empty object (as in Foundation).
    private func child(at key: Key?, named name: String) -> TreeEncoder {
        let object = self.object
        let existing = object.members[name] ?? .object(ObjectNode())
        object.members[name] = existing
        return TreeEncoder(snakeCaseKeys: encoder.snakeCaseKeys, codingPath: codingPath + (key.map { [$0] } ?? []), existing: existing) {
            object.members[name] = $0
        }
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: TreeEncoder
    let array: ArrayNode
    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { array.items.count }

    mutating func encodeNil() throws { array.items.append(.null) }
    mutating func encode(_ value: some Encodable) throws { array.items.append(try encoder.box(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        child().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        child().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder { child() }

    /// A child whose node takes the next slot of the array: an empty object until it encodes something.
    private func child() -> TreeEncoder {
        let array = self.array
        let slot = array.items.count
        array.items.append(.object(ObjectNode()))
        return TreeEncoder(snakeCaseKeys: encoder.snakeCaseKeys, codingPath: codingPath) { array.items[slot] = $0 }
    }
}
