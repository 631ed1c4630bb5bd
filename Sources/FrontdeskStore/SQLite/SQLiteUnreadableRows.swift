import Foundation
import GRDB

extension QueryInterfaceRequest where RowDecoder: FetchableRecord & TableRecord {
    /// Like `fetchAll`, but a row that cannot be decoded is reported and skipped.
    func fetchReadable(_ db: Database, reporting unreadable: UnreadableRows) throws -> [RowDecoder] {
        let rows = try asRequest(of: Row.self).fetchCursor(db)
        var items: [RowDecoder] = []
        while let row = try rows.next() {
            do {
                items.append(try RowDecoder(row: row))
            } catch {
                unreadable.report(table: RowDecoder.databaseTableName, id: (row["id"] as String?) ?? "?", problem: error)
            }
        }
        return items
    }
}
