import Foundation

/// The `Encoder` behind `StatusJSONEncoder`: turns an `Encodable` value into a `JSONTree`.
final class TreeEncoder: Encoder {
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var root: JSONTree?

    init(codingPath: [any CodingKey] = [], root: JSONTree? = nil) {
        self.codingPath = codingPath
        self.root = root
    }

    /// The tree of a nested value.
    static func tree<T: Encodable>(_ value: T, at codingPath: [any CodingKey]) throws -> JSONTree {
        let encoder = TreeEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.root ?? .object(JSONTree.Object())
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case .object(let object) = root {
            return KeyedEncodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
        }
        let object = JSONTree.Object()
        root = .object(object)
        return KeyedEncodingContainer(KeyedContainer<Key>(object: object, codingPath: codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case .array(let array) = root { return UnkeyedContainer(array: array, codingPath: codingPath) }
        let array = JSONTree.Array()
        root = .array(array)
        return UnkeyedContainer(array: array, codingPath: codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleValueContainer(encoder: self) }
}

private struct KeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let object: JSONTree.Object
    let codingPath: [any CodingKey]

    private func set(_ key: Key, _ value: JSONTree) { object.append(key.stringValue, value) }

    mutating func encodeNil(forKey key: Key) throws { set(key, .null) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(key, .bool(value)) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(key, .string(value)) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(key, .double(value)) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(key, .double(Double(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(key, .int(Int64(value))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(key, .int(value)) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(key, .uint(UInt64(value))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(key, .uint(value)) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        set(key, try TreeEncoder.tree(value, at: codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONTree.Object()
        set(key, .object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: nested, codingPath: codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONTree.Array()
        set(key, .array(nested))
        return UnkeyedContainer(array: nested, codingPath: codingPath + [key])
    }

    /// Supports a superclass encoding an object (the only shape spool's documents would use).
    mutating func superEncoder() -> any Encoder { superEncoder(key: "super") }
    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(key: key.stringValue) }

    private func superEncoder(key: String) -> any Encoder {
        let nested = JSONTree.Object()
        object.append(key, .object(nested))
        return TreeEncoder(codingPath: codingPath, root: .object(nested))
    }
}

private struct UnkeyedContainer: UnkeyedEncodingContainer {
    let array: JSONTree.Array
    let codingPath: [any CodingKey]
    var count: Int { array.items.count }

    private struct Index: CodingKey {
        var intValue: Int?
        var stringValue: String { "\(intValue ?? 0)" }
        init(intValue: Int) { self.intValue = intValue }
        init?(stringValue: String) { nil }
    }

    mutating func encodeNil() throws { array.items.append(.null) }
    mutating func encode(_ value: Bool) throws { array.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { array.items.append(.string(value)) }
    mutating func encode(_ value: Double) throws { array.items.append(.double(value)) }
    mutating func encode(_ value: Int) throws { array.items.append(.int(Int64(value))) }
    mutating func encode(_ value: Int64) throws { array.items.append(.int(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        array.items.append(try TreeEncoder.tree(value, at: codingPath + [Index(intValue: count)]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type)
        -> KeyedEncodingContainer<NestedKey>
    {
        let nested = JSONTree.Object()
        array.items.append(.object(nested))
        return KeyedEncodingContainer(KeyedContainer<NestedKey>(object: nested, codingPath: codingPath))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONTree.Array()
        array.items.append(.array(nested))
        return UnkeyedContainer(array: nested, codingPath: codingPath)
    }

    mutating func superEncoder() -> any Encoder {
        let nested = JSONTree.Object()
        array.items.append(.object(nested))
        return TreeEncoder(codingPath: codingPath, root: .object(nested))
    }
}

private struct SingleValueContainer: SingleValueEncodingContainer {
    let encoder: TreeEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.root = .null }
    mutating func encode(_ value: Bool) throws { encoder.root = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.root = .string(value) }
    mutating func encode(_ value: Double) throws { encoder.root = .double(value) }
    mutating func encode(_ value: Float) throws { encoder.root = .double(Double(value)) }
    mutating func encode(_ value: Int) throws { encoder.root = .int(Int64(value)) }
    mutating func encode(_ value: Int8) throws { encoder.root = .int(Int64(value)) }
    mutating func encode(_ value: Int16) throws { encoder.root = .int(Int64(value)) }
    mutating func encode(_ value: Int32) throws { encoder.root = .int(Int64(value)) }
    mutating func encode(_ value: Int64) throws { encoder.root = .int(value) }
    mutating func encode(_ value: UInt) throws { encoder.root = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.root = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.root = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.root = .uint(UInt64(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.root = .uint(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        encoder.root = try TreeEncoder.tree(value, at: codingPath)
    }
}
