import Foundation
import FrontdeskCore
import PostgresNIO

/// A domain type stored as one row: its table, its columns in order (the key first), how to read it
/// from a row of those columns and the values to write. Plain SQL per type, listed here once.
protocol PostgresRecord: Sendable {
    static var table: String { get }
    static var columns: [PostgresColumn] { get }
    init(_ row: inout RowCursor) throws
    /// The values, in `columns`' order.
    func bind(to bindings: inout PostgresBindings) throws
}

/// A column and whether its value is bound as JSON text (stored as `jsonb`).
struct PostgresColumn: Sendable, ExpressibleByStringLiteral {
    let name: String
    let isJSON: Bool

    init(stringLiteral name: String) {
        self.name = name
        isJSON = false
    }

    init(json name: String) {
        self.name = name
        isJSON = true
    }

    var quoted: String { name == "to" || name == "from" ? "\"\(name)\"" : name }
}

extension PostgresRecord {
    /// The columns, for a SELECT list.
    static var selectList: String { columns.map(\.quoted).joined(separator: ", ") }

    static func placeholders(from first: Int = 1) -> [String] {
        columns.enumerated().map { index, column in "$\(index + first)" + (column.isJSON ? "::jsonb" : "") }
    }

    /// `SELECT <columns> FROM <table> ` + `rest` (parameters from $1).
    static func select(_ rest: String, _ binds: PostgresBindings = PostgresBindings()) -> PostgresQuery {
        PostgresQuery(unsafeSQL: "SELECT \(selectList) FROM \(table) \(rest)", binds: binds)
    }

    func insertQuery(suffix: String = "") throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: Self.columns.count)
        try bind(to: &binds)
        return PostgresQuery(
            unsafeSQL: "INSERT INTO \(Self.table) (\(Self.selectList)) VALUES (\(Self.placeholders().joined(separator: ", ")))\(suffix)",
            binds: binds)
    }

    /// Inserts, or replaces every column of the row with the same key.
    func upsertQuery() throws -> PostgresQuery {
        let updates = Self.columns.dropFirst().map { "\($0.quoted) = EXCLUDED.\($0.quoted)" }.joined(separator: ", ")
        return try insertQuery(suffix: " ON CONFLICT (\(Self.columns[0].name)) DO UPDATE SET \(updates)")
    }

    /// Replaces every column of the row with this key; returns a row only when there was one.
    func updateQuery() throws -> PostgresQuery {
        var binds = PostgresBindings(capacity: Self.columns.count)
        try bind(to: &binds)
        let placeholders = Self.placeholders()
        let sets = zip(Self.columns, placeholders).dropFirst().map { "\($0.quoted) = \($1)" }.joined(separator: ", ")
        return PostgresQuery(
            unsafeSQL: "UPDATE \(Self.table) SET \(sets) WHERE \(Self.columns[0].name) = $1 RETURNING 1", binds: binds)
    }

    /// Every row decoded; a row that cannot be is reported and skipped.
    static func decodeAll(_ rows: [PostgresRow], reporting unreadable: UnreadableRows?) throws -> [Self] {
        var items: [Self] = []
        items.reserveCapacity(rows.count)
        for row in rows {
            var cursor = RowCursor(row)
            do {
                items.append(try Self(&cursor))
            } catch {
                guard let unreadable else { throw error }
                let id = (try? row.makeRandomAccess()[0].decode(String.self)) ?? "?"
                unreadable.report(table: table, id: id, problem: error)
            }
        }
        return items
    }

    static func decode(_ row: PostgresRow?) throws -> Self? {
        guard let row else { return nil }
        var cursor = RowCursor(row)
        return try Self(&cursor)
    }
}

/// A stored value that does not make a domain value (a status no build wrote).
struct UnreadableValue: Error, CustomStringConvertible {
    let column: String
    let value: String
    var description: String { "column \(column) holds \(value)" }
}

/// Reads a row's cells in order.
struct RowCursor {
    private let row: PostgresRandomAccessRow
    private var index = 0

    init(_ row: PostgresRow) { self.row = row.makeRandomAccess() }

    mutating func next<T: PostgresDecodable>(_ type: T.Type = T.self) throws -> T {
        defer { index += 1 }
        return try row[index].decode(T.self)
    }

    mutating func date() throws -> Date { try next(Date.self).storedInstant }
    mutating func optionalDate() throws -> Date? { try next(Date?.self)?.storedInstant }

    mutating func id<Tag>(_ type: Identifier<Tag>.Type = Identifier<Tag>.self) throws -> Identifier<Tag> {
        Identifier(rawValue: try next(String.self))
    }

    mutating func optionalID<Tag>(_ type: Identifier<Tag>.Type = Identifier<Tag>.self) throws -> Identifier<Tag>? {
        try next(String?.self).map(Identifier.init(rawValue:))
    }

    mutating func phone() throws -> PhoneNumber? { try next(String?.self).map(PhoneNumber.init(trusted:)) }

    mutating func value<Value: RawRepresentable>(_ type: Value.Type = Value.self) throws -> Value where Value.RawValue == String {
        let name = row[index].columnName
        let raw = try next(String.self)
        guard let value = Value(rawValue: raw) else { throw UnreadableValue(column: name, value: raw) }
        return value
    }

    mutating func optionalValue<Value: RawRepresentable>(_ type: Value.Type = Value.self) throws -> Value?
    where Value.RawValue == String {
        let name = row[index].columnName
        guard let raw = try next(String?.self) else { return nil }
        guard let value = Value(rawValue: raw) else { throw UnreadableValue(column: name, value: raw) }
        return value
    }

    mutating func json<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value {
        try StoredJSON.decoder.decode(Value.self, from: Data(try next(String.self).utf8))
    }

    mutating func optionalJSON<Value: Decodable>(_ type: Value.Type = Value.self) throws -> Value? {
        try next(String?.self).map { try StoredJSON.decoder.decode(Value.self, from: Data($0.utf8)) }
    }
}

/// Nested values (settings, hours, score explanations) as GRDB writes them in SQLite: keys sorted,
/// dates in milliseconds since 1970.
enum StoredJSON {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dataEncodingStrategy = .base64
        encoder.dateEncodingStrategy = .millisecondsSince1970
        encoder.nonConformingFloatEncodingStrategy = .throw
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dataDecodingStrategy = .base64
        decoder.dateDecodingStrategy = .millisecondsSince1970
        return decoder
    }()

    static func text<Value: Encodable>(_ value: Value) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

extension Date {
    /// To the millisecond, as both engines keep instants (SQLite's text has milliseconds; PostgreSQL's
    /// microseconds are rounded on the way in and out), so a value reads back as it was written.
    var storedInstant: Date { Date(timeIntervalSince1970: (timeIntervalSince1970 * 1000).rounded() / 1000) }
}

extension PostgresBindings {
    mutating func append(instant: Date) { append(instant.storedInstant) }
    mutating func append(instant: Date?) { append(instant?.storedInstant) }
    mutating func append<Tag>(id: Identifier<Tag>) { append(id.rawValue) }
    mutating func append<Tag>(id: Identifier<Tag>?) { append(id?.rawValue) }
    mutating func append<Value: RawRepresentable>(value: Value) where Value.RawValue == String { append(value.rawValue) }
    mutating func append<Value: RawRepresentable>(value: Value?) where Value.RawValue == String { append(value?.rawValue) }
    mutating func append<Value: Encodable>(json value: Value) throws { append(try StoredJSON.text(value)) }
    mutating func append<Value: Encodable>(json value: Value?) throws { append(try value.map(StoredJSON.text)) }
}
