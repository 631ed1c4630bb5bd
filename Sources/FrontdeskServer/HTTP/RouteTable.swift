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

    /// The methods of the route the router would pick for `path`: among the patterns that match, the
    /// most specific (most literal segments), as the router prefers `/appointments/availability` to
    /// `/appointments/:id`.
    func methods(matching path: String) -> [HTTPRequest.Method] {
        let parts = path.split(separator: "/")
        return routes.withLock { routes in
            var best: (literals: Int, methods: [HTTPRequest.Method]) = (-1, [])
            for route in routes where route.segments.count == parts.count {
                var literals = 0
                let matches = zip(route.segments, parts).allSatisfy { pattern, part in
                    if pattern.hasPrefix(":") || pattern.hasPrefix("{") || pattern == "*" { return true }
                    literals += 1
                    return pattern == part
                }
                guard matches else { continue }
                if literals > best.literals {
                    best = (literals, [route.method])
                } else if literals == best.literals, !best.methods.contains(route.method) {
                    best.methods.append(route.method)
                }
            }
            return best.methods
        }
    }
}
