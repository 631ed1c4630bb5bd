#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// A plain TCP client for what no HTTP library will send: broken framing, huge headers, half-sent
/// requests, idle sockets.
final class RawConnection: @unchecked Sendable {  // one test task uses it at a time
    let fd: Int32

    /// `receiveBuffer`: a small socket receive buffer (set before connecting, so the window stays small)
    /// for a client that reads slowly or not at all.
    init(port: Int, receiveBuffer: Int32? = nil) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw POSIXError(.ECONNREFUSED)
        }
    }

    deinit { close(fd) }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    /// Half-closes: the server sees the end of the input.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// `readUntilClosed` on a thread of its own.
    func response(timeout: Double = 5) async -> (text: String, closed: Bool) {
        await offPool { self.readUntilClosed(timeout: timeout) }
    }

    /// `readBytes(until:)` on a thread of its own.
    func bytes(timeout: Double = 5, until done: @escaping @Sendable ([UInt8]) -> Bool) async -> [UInt8] {
        await offPool { self.readBytes(timeout: timeout, until: done).bytes }
    }

    /// Blocking in `poll` on one of the cooperative pool's few threads would keep the in-process
    /// server's handlers from running: reads wait on a thread of their own.
    private func offPool<T: Sendable>(_ read: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: read()) }
        }
    }

    /// The bytes the server sends until `done` says so, it closes the connection (`closed`), or
    /// `timeout` passes.
    func readBytes(timeout: Double, until done: ([UInt8]) -> Bool = { _ in false }) -> (bytes: [UInt8], closed: Bool) {
        var received: [UInt8] = []
        let deadline = Date().addingTimeInterval(timeout)
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while Date() < deadline, !done(received) {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            if poll(&poller, 1, 50) <= 0 { continue }
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count <= 0 { return (received, true) }
            received += buffer[0..<count]
        }
        return (received, false)
    }

    /// Everything the server sends until it closes the connection, or until `timeout` passes.
    /// `closed` is false when the time ran out with the connection still open.
    func readUntilClosed(timeout: Double = 5) -> (text: String, closed: Bool) {
        let (bytes, closed) = readBytes(timeout: timeout)
        return (String(decoding: bytes, as: UTF8.self), closed)
    }

    /// The status code of the first response in `text` (nil when there is none).
    static func status(_ text: String) -> Int? {
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}
