import HTTPTypes
import Synchronization

/// The registered routes, to answer 405 (with `Allow`) when a path exists but not for the method.
final class RouteTable: Sendable {
    private struct Route: Sendable {
        let method: HTTPRequest.Method
        let segments: [Substring]
    }

    private let routes = Mutex<[Route]>([])

    func register(method: HTTPRequest.Method, path: String) {
        let segments = path.split(separator: "/")
        routes.withLock { $0.append(Route(method: method, segments: segments)) }
    }

    /// The methods registered for paths matching `path`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            routes.filter { route in
                route.segments.count == parts.count
                    && zip(route.segments, parts).allSatisfy { pattern, part in
                        pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" || pattern == part
                    }
            }.map(\.method)
        }
    }
}
