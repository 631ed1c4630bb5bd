import Foundation
import FrontdeskWire
import Logging
import Synchronization

/// `frontdesk serve --log-format json`: one JSON object per line on standard error, for log collectors
/// (journald, Loki, CloudWatch, Datadog …). Fields: `timestamp` (UTC, microseconds), `level`, `label`,
/// `message`, `source`, and every metadata key at the top level (`request_id`, `call_id`, `client` …);
/// nested metadata stays nested.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let output: Output

    /// Where lines go: standard error by default; a test collects them.
    public final class Output: Sendable {
        let write: @Sendable ([UInt8]) -> Void
        public init(_ write: @escaping @Sendable ([UInt8]) -> Void) { self.write = write }

        /// Standard error, a whole line per write (lines from several threads never interleave).
        public static let standardError = Output { bytes in
            lock.withLock { _ in
                bytes.withUnsafeBufferPointer { buffer in
                    var offset = 0
                    while offset < buffer.count {
                        let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                        if written <= 0 { break }
                        offset += written
                    }
                }
            }
        }
        private static let lock = Mutex(())
    }

    public init(label: String, output: Output = .standardError, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.output = output
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.field("timestamp", Self.timestamp(Date()))
        writer.field("level", event.level.rawValue)
        writer.field("label", label)
        writer.field("message", event.message.description)
        writer.field("source", event.source)
        for key in merged.keys.sorted() where !["timestamp", "level", "label", "message", "source"].contains(key) {
            writer.dynamicKey(key)
            Self.write(merged[key]!, to: &writer)
        }
        writer.endObject()
        var line = writer.bytes
        line.append(UInt8(ascii: "\n"))
        output.write(line)
    }

    private static func write(_ value: Logger.Metadata.Value, to writer: inout JSONWriter) {
        switch value {
        case .string(let text): writer.string(text)
        case .stringConvertible(let item): writer.string(item.description)
        case .array(let items):
            writer.beginArray()
            for item in items { write(item, to: &writer) }
            writer.endArray()
        case .dictionary(let members):
            writer.beginObject()
            for key in members.keys.sorted() {
                writer.dynamicKey(key)
                write(members[key]!, to: &writer)
            }
            writer.endObject()
        }
    }

    /// `2026-12-04T14:05:09.123456Z` (the wire's UTC date and time, with microseconds).
    static func timestamp(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        var bytes: [UInt8] = []
        bytes.reserveCapacity(27)
        UTCTimestamp(millisecondsSince1970: micros / 1000).appendDateAndTime(to: &bytes, separator: UInt8(ascii: "T"))
        bytes.append(UInt8(ascii: "."))
        UTCTimestamp.append(micros % 1_000_000, digits: 6, to: &bytes)
        bytes.append(UInt8(ascii: "Z"))
        return String(decoding: bytes, as: UTF8.self)
    }
}
