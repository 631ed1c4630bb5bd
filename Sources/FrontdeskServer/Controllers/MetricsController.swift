import Crypto
import Foundation
import Hummingbird

/// `GET /metrics`: every metric of this instance in Prometheus's text format (outside `/api`, as
/// scrapers expect; never rate-limited). With `FRONTDESK_METRICS_TOKEN` set, only a scraper that sends
/// `Authorization: Bearer <token>` is answered; with `FRONTDESK_METRICS=0`, the route does not exist.
struct MetricsController {
    let token: String?

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("metrics", use: metrics)
    }

    @Sendable func metrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        if let token {
            guard let given = request.headers[.authorization], Self.matches(given, bearer: token) else {
                throw AppError(.authRequired, "/metrics needs 'Authorization: Bearer <FRONTDESK_METRICS_TOKEN>'")
            }
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: .init(bytes: PrometheusMetrics.exposition())))
    }

    /// Compares digests, so the time taken says nothing about how much of the token was right.
    static func matches(_ header: String, bearer token: String) -> Bool {
        SHA256.hash(data: Data(header.utf8)) == SHA256.hash(data: Data("Bearer \(token)".utf8))
    }
}
