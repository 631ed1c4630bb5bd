import Foundation
import FrontdeskCore
import GRDB

// Leads are read in bulk on the busiest endpoint: decode them by column index instead of through
// Codable or by name, which is several times slower per row. The indexes follow the column order of
// the `leads` table (Schema.swift); new columns are only ever appended by later migrations.
extension Lead {
    public init(row: Row) throws {
        let explanation: ScoreExplanation? =
            if let json = row[8] as String? {
                try Self.databaseJSONDecoder(for: "score_explanation").decode(ScoreExplanation.self, from: Data(json.utf8))
            } else { nil }
        guard let status = LeadStatus(rawValue: row[5]), let source = LeadSource(rawValue: row[6]) else {
            throw DatabaseError(message: "invalid lead status or source in row \(row)")
        }
        self.init(
            id: LeadID(rawValue: row[0]), businessId: BusinessID(rawValue: row[1]),
            phone: (row[2] as String?).map(PhoneNumber.init(trusted:)), name: row[3],
            email: (row[4] as String?).map(EmailAddress.init(trusted:)), status: status, source: source,
            qualificationScore: row[7], scoreExplanation: explanation, notes: row[9], createdAt: row[10],
            updatedAt: row[11], company: row[12], value: (row[13] as Int?).map(Money.init(cents:)))
    }
}
