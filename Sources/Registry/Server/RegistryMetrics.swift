import Foundation
import HTTPTypes
import Hummingbird
import Prometheus

/// Prometheus metrics of one registry instance (no process-wide bootstrap, so tests stay isolated).
public struct RegistryMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    public init() {
        registry = PrometheusCollectorRegistry()
    }

    static var requests: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "berth", subsystem: "registry", metricName: "http_requests", unitName: "total",
            helpText: "HTTP requests by method, endpoint kind and status.")
    }
    static var durations: MetricNameDescriptor {
        MetricNameDescriptor(
            namespace: "berth", subsystem: "registry", metricName: "http_request_duration", unitName: "seconds",
            helpText: "HTTP request durations by method and endpoint kind.")
    }
    static let buckets: [Duration] = [
        .milliseconds(1), .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2),
        .seconds(10), .seconds(60),
    ]

    func requestFinished(method: String, endpoint: String, status: Int, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.requests, labels: [("method", method), ("endpoint", endpoint), ("status", String(status))]
        )
        .increment()
        registry.makeDurationHistogram(
            descriptor: Self.durations, labels: [("method", method), ("endpoint", endpoint)], buckets: Self.buckets
        )
        .recordNanoseconds(duration.nanoseconds)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}

/// Counts requests and their durations by method, endpoint kind and status.
struct RegistryMetricsMiddleware: RouterMiddleware {
    typealias Context = RegistryRequestContext
    let metrics: RegistryMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        let endpoint = Self.endpoint(request.uri.path)
        do {
            let response = try await next(request, context)
            metrics.requestFinished(
                method: request.method.rawValue, endpoint: endpoint, status: response.status.code,
                duration: ContinuousClock.now - start)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.requestFinished(
                method: request.method.rawValue, endpoint: endpoint, status: status,
                duration: ContinuousClock.now - start)
            throw error
        }
    }

    /// A low-cardinality name for the endpoint (never the repository or digest).
    static func endpoint(_ path: String) -> String {
        guard let route = try? Route.parse(path: path) else {
            if path == "/token" || path == "/healthz" || path == "/metrics" { return String(path.dropFirst()) }
            return "other"
        }
        switch route {
        case .base: return "base"
        case .catalog: return "catalog"
        case .tags: return "tags"
        case .manifest: return "manifest"
        case .blob: return "blob"
        case .uploads, .upload: return "upload"
        case .referrers: return "referrers"
        }
    }
}
