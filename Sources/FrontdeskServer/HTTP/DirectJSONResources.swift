import FrontdeskCore
import FrontdeskWire

extension Lead: DirectJSONEncodable {
    public func writeJSON(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.field("id", id.rawValue)
        writer.field("business_id", businessId.rawValue)
        writer.field("phone", phone?.e164)
        writer.field("name", name)
        writer.field("email", email?.value)
        writer.field("status", status.rawValue)
        writer.field("source", source.rawValue)
        writer.field("qualification_score", qualificationScore)
        if let scoreExplanation {
            writer.key("score_explanation")
            try writer.encoded(scoreExplanation)
        }
        writer.field("notes", notes)
        writer.field("created_at", createdAt)
        writer.field("updated_at", updatedAt)
        writer.field("company", company)
        if let value {
            writer.key("value")
            try writer.number(value.major)
        }
        writer.endObject()
    }
}

extension Pagination: DirectJSONEncodable {
    public func writeJSON(to writer: inout JSONWriter) throws {
        writer.beginObject()
        writer.field("page", page)
        writer.field("limit", limit)
        writer.field("total", total)
        writer.field("pages", pages)
        writer.endObject()
    }
}
