import AsyncHTTPClient
import Crypto
import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import RegistryMetadata

/// Sends webhook events in the background: a bounded queue, a few concurrent deliveries, retries
/// with exponential backoff and a delivery log. `notify` never blocks and never throws.
public final class WebhookNotifier: Sendable {
    /// Delivery tuning.
    public struct Settings: Sendable, Equatable {
        /// Attempts per endpoint and event, the first included.
        public var maxAttempts = 5
        /// Wait before the second attempt; doubled before each further one, up to `maxBackoff`.
        public var initialBackoff: Duration = .seconds(2)
        public var maxBackoff: Duration = .seconds(60)
        /// Time limit of one attempt (connect, send, answer).
        public var timeout: Duration = .seconds(10)
        /// Deliveries waiting at most; more are dropped (and logged).
        public var capacity = 1000
        /// Deliveries in flight at once (retries waiting count).
        public var concurrency = 8

        public init() {}
    }

    /// Counters for tests and metrics.
    public struct Statistics: Sendable, Equatable {
        /// Deliveries queued or in flight.
        public var outstanding = 0
        public var delivered = 0
        /// Deliveries that gave up after their last attempt.
        public var failed = 0
        public var dropped = 0
    }

    /// One event for one endpoint.
    struct Delivery: Sendable {
        var event: WebhookEvent
        var body: Data
        var endpoint: WebhookEndpoint
    }

    let security: SecurityStore
    public let log: WebhookDeliveryLog
    /// `host:port` used in resource URLs.
    public let host: String
    let settingsBox: NIOLockedValueBox<Settings>
    let statisticsBox = NIOLockedValueBox(Statistics())
    let continuation: AsyncStream<Delivery>.Continuation
    let worker = NIOLockedValueBox<Task<Void, Never>?>(nil)

    public init(
        root: String, security: SecurityStore, host: String, settings: Settings = Settings(),
        metadata: MetadataStore? = nil
    ) {
        self.security = security
        self.log = WebhookDeliveryLog(root: root, metadata: metadata)
        self.host = host
        self.settingsBox = NIOLockedValueBox(settings)
        let (stream, continuation) = AsyncStream.makeStream(
            of: Delivery.self, bufferingPolicy: .bufferingOldest(max(1, settings.capacity)))
        self.continuation = continuation
        // The task holds what delivery needs, not the notifier: dropping the notifier ends the stream.
        let sender = Sender(log: log, settings: settingsBox, statistics: statisticsBox)
        worker.withLockedValue { $0 = Task { await sender.drain(stream) } }
    }

    deinit {
        continuation.finish()
    }

    /// Delivery tuning; changes apply to deliveries not yet started.
    public var settings: Settings {
        get { settingsBox.withLockedValue { $0 } }
        set { settingsBox.withLockedValue { $0 = newValue } }
    }

    /// A snapshot of the counters.
    public var statistics: Statistics { statisticsBox.withLockedValue { $0 } }

    /// Queues `event` for every enabled endpoint of its project that subscribes to its type.
    public func notify(_ event: WebhookEvent) async {
        let state: SecurityState
        do {
            state = try await security.current()
        } catch {
            FileHandle.standardError.write(
                Data("webhooks: \(event.type.rawValue) in \(event.project) not sent: \(error)\n".utf8))
            return
        }
        let endpoints = (state.projects[event.project]?.webhooks ?? []).filter { $0.subscribes(to: event.type) }
        guard !endpoints.isEmpty else { return }
        let body = event.encoded()
        for endpoint in endpoints {
            statisticsBox.withLockedValue { $0.outstanding += 1 }
            switch continuation.yield(Delivery(event: event, body: body, endpoint: endpoint)) {
            case .enqueued: continue
            default:
                statisticsBox.withLockedValue {
                    $0.outstanding -= 1
                    $0.dropped += 1
                }
                await log.append(
                    project: event.project,
                    WebhookDelivery(
                        time: Date(), eventID: event.eventID, eventType: event.type.rawValue, webhook: endpoint.id,
                        url: endpoint.url, attempt: 0, statusCode: nil,
                        error: "dropped: the delivery queue was full", durationMilliseconds: 0, delivered: false,
                        willRetry: false))
            }
        }
    }

    /// Stops taking events; deliveries under way finish.
    public func stop() {
        continuation.finish()
    }

    /// Waits until nothing is queued or in flight.
    public func waitUntilIdle() async {
        while statistics.outstanding > 0 {
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// `X-Berth-Signature`'s value: `sha256=` and the hex HMAC-SHA256 of `body` keyed with `secret`.
    public static func signature(body: Data, secret: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// Delivers from the queue; owns no reference to the notifier.
    struct Sender: Sendable {
        let log: WebhookDeliveryLog
        let settings: NIOLockedValueBox<Settings>
        let statistics: NIOLockedValueBox<Statistics>

        func drain(_ stream: AsyncStream<Delivery>) async {
            await withTaskGroup(of: Void.self) { group in
                var active = 0
                for await delivery in stream {
                    let limit = max(1, settings.withLockedValue { $0.concurrency })
                    if active >= limit {
                        await group.next()
                        active -= 1
                    }
                    active += 1
                    group.addTask { await deliver(delivery) }
                }
                await group.waitForAll()
            }
        }

        func deliver(_ delivery: Delivery) async {
            let tuning = settings.withLockedValue { $0 }
            let attempts = max(1, tuning.maxAttempts)
            var backoff = tuning.initialBackoff
            var delivered = false
            for attempt in 1...attempts {
                let started = ContinuousClock.now
                let (status, error) = await send(delivery, attempt: attempt, timeout: tuning.timeout)
                let elapsed = ContinuousClock.now - started
                delivered = status.map { (200..<300).contains($0) } ?? false
                let retry = !delivered && attempt < attempts
                await log.append(
                    project: delivery.event.project,
                    WebhookDelivery(
                        time: Date(), eventID: delivery.event.eventID, eventType: delivery.event.type.rawValue,
                        webhook: delivery.endpoint.id, url: delivery.endpoint.url, attempt: attempt,
                        statusCode: status, error: error,
                        durationMilliseconds: Int(
                            elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
                        delivered: delivered, willRetry: retry))
                if !retry { break }
                try? await Task.sleep(for: backoff)
                backoff = min(backoff * 2, tuning.maxBackoff)
            }
            statistics.withLockedValue { statistics in
                statistics.outstanding -= 1
                if delivered { statistics.delivered += 1 } else { statistics.failed += 1 }
            }
        }

        /// One attempt: the status answered, or the error that prevented an answer.
        func send(_ delivery: Delivery, attempt: Int, timeout: Duration) async -> (Int?, String?) {
            var request = HTTPClientRequest(url: delivery.endpoint.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "User-Agent", value: "berth-registry-webhook")
            request.headers.add(name: "X-Berth-Event", value: delivery.event.type.rawValue)
            request.headers.add(name: "X-Berth-Event-Id", value: delivery.event.eventID)
            request.headers.add(name: "X-Berth-Delivery-Attempt", value: String(attempt))
            if let secret = delivery.endpoint.secret, !secret.isEmpty {
                request.headers.add(
                    name: "X-Berth-Signature", value: WebhookNotifier.signature(body: delivery.body, secret: secret))
            }
            if let authorization = delivery.endpoint.authorization, !authorization.isEmpty {
                request.headers.add(name: "Authorization", value: authorization)
            }
            request.body = .bytes(ByteBuffer(bytes: delivery.body))
            let limit = TimeAmount.nanoseconds(
                timeout.components.seconds * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: limit)
                // The answer's body is read (bounded) and dropped so that the connection can be reused.
                _ = try? await response.body.collect(upTo: 64 * 1024)
                return (Int(response.status.code), nil)
            } catch {
                return (nil, String("\(error)".prefix(500)))
            }
        }
    }
}

extension WebhookNotifier {
    /// The registry's name in resource URLs: the `Host` the client used, else the listen address.
    func host(_ request: Request) -> String {
        guard let authority = request.head.authority, !authority.isEmpty, authority.count <= 255 else { return host }
        return authority
    }

    /// Sends `quota_exceeded` for a request the project's quota refused.
    func notifyQuotaExceeded(_ error: RegistryError, route: Route, request: Request, identity: Identity) async {
        guard let repository = route.repository else { return }
        var resources: [WebhookEvent.Resource] = []
        if case .manifest(_, let reference) = route {
            let isDigest = reference.contains(":")
            resources.append(
                .init(
                    digest: isDigest ? reference : nil, tag: isDigest ? nil : reference,
                    resourceURL: "\(host(request))/\(repository)" + (isDigest ? "@" : ":") + reference))
        }
        await notify(
            WebhookEvent(
                type: .quotaExceeded, operator: identity.name, repository: repository, resources: resources,
                quota: .init(
                    quotaBytes: error.detail?["quota"].flatMap { Int64($0) },
                    usedBytes: error.detail?["used"].flatMap { Int64($0) }, message: error.message)))
    }
}
