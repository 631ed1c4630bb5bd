import Foundation

/// The live half of a call recording: both tracks as interleaved 16-bit samples (caller left, agent
/// right), appended to a raw file while the call runs — a few kilobytes of memory per call and no
/// encoding on the call's path. After the call, `OggOpusRecorder.encode(raw:)` makes the Ogg Opus
/// file from it. The raw file's name carries its sample rate (`<recording>.<rate>.pcm`), so one left
/// by a stop mid-call can still be encoded at the next start.
public final class RawCallRecording {
    /// Where the finished recording goes (`.opus`).
    public let path: String
    public let sampleRate: Int
    /// The raw file written while the call runs.
    public let rawPath: String
    private var file: UnsafeMutablePointer<FILE>?
    private var interleaved: [Int16] = []
    public private(set) var samplesWritten = 0

    public init(path: String, sampleRate: Int) throws(RecordingError) {
        self.path = path
        self.sampleRate = sampleRate
        rawPath = Self.rawPath(for: path, sampleRate: sampleRate)
        guard let file = fopen(rawPath, "wb") else { throw RecordingError("cannot create \(rawPath): \(String(cString: strerror(errno)))") }
        self.file = file
    }

    deinit { finish() }

    public static func rawPath(for path: String, sampleRate: Int) -> String { "\(path).\(sampleRate).pcm" }

    /// The recording and sample rate a raw file belongs to, from its name (nil: not one of ours).
    public static func parse(rawPath: String) -> (path: String, sampleRate: Int)? {
        guard rawPath.hasSuffix(".pcm") else { return nil }
        let parts = rawPath.dropLast(4).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count >= 2, let rate = Int(parts.last!), [8_000, 12_000, 16_000, 24_000, 48_000].contains(rate) else { return nil }
        return (parts.dropLast().joined(separator: "."), rate)
    }

    /// Appends one stretch of both tracks (the shorter padded with silence).
    public func write(caller: [Int16], agent: [Int16]) throws(RecordingError) {
        guard let file else { return }
        let count = Stereo.interleave(caller: caller, agent: agent, into: &interleaved)
        guard count > 0 else { return }
        #if _endian(big)
        for index in 0..<count * 2 { interleaved[index] = interleaved[index].littleEndian }
        #endif
        let written = interleaved.withUnsafeBufferPointer { fwrite($0.baseAddress, 2, count * 2, file) }
        guard written == count * 2 else { throw RecordingError("writing \(rawPath) failed: \(String(cString: strerror(errno)))") }
        samplesWritten += count
    }

    /// Closes the raw file. Idempotent.
    public func finish() {
        guard let file else { return }
        self.file = nil
        fclose(file)
    }

    public var duration: Duration { .milliseconds(samplesWritten * 1_000 / sampleRate) }
}

/// Both tracks of a call side by side: caller left, agent right.
enum Stereo {
    /// Interleaves the two tracks into `buffer` (grown when needed; the shorter track padded with
    /// silence) and returns the number of sample pairs written.
    static func interleave(caller: [Int16], agent: [Int16], into buffer: inout [Int16]) -> Int {
        let count = max(caller.count, agent.count)
        if buffer.count < count * 2 { buffer = [Int16](repeating: 0, count: count * 2) }
        buffer.withUnsafeMutableBufferPointer { out in
            UnsafeMutableBufferPointer(rebasing: out[0..<count * 2]).update(repeating: 0)
            caller.withUnsafeBufferPointer { left in
                for index in left.indices { out[2 * index] = left[index] }
            }
            agent.withUnsafeBufferPointer { right in
                for index in right.indices { out[2 * index + 1] = right[index] }
            }
        }
        return count
    }
}

public struct RecordingError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
