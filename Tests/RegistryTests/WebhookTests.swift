import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import OCI
import RegistryMetadata
import TestSupport
import Testing

@testable import Registry

/// A webhook receiver on 127.0.0.1: records every request, and answers 500 to the first
/// `failures` deliveries of each event id (then 200); when `held`, it answers only after `release()`.
final class WebhookReceiver: @unchecked Sendable {
    struct Received: Sendable {
        var headers: HTTPFields
        var body: Data
        var at: ContinuousClock.Instant

        func header(_ name: String) -> String? { headers[HTTPField.Name(name)!] }
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body) as? [String: Any]) ?? [:] }
    }

    let failures: Int
    private var held: Bool
    private var received: [Received] = []
    private var attempts: [String: Int] = [:]
    private let lock = NSLock()

    init(failures: Int = 0, held: Bool = false) {
        self.failures = failures
        self.held = held
    }

    /// Lets held requests be answered.
    func release() { lock.withLock { held = false } }
    var isHeld: Bool { lock.withLock { held } }

    var requests: [Received] {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    func answer(_ request: Request) async throws -> Response {
        let body = Data(buffer: try await request.body.collect(upTo: 1 << 20))
        let event = request.headers[HTTPField.Name("X-Berth-Event-Id")!] ?? ""
        let attempt = lock.withLock {
            received.append(Received(headers: request.headers, body: body, at: .now))
            attempts[event, default: 0] += 1
            return attempts[event] ?? 1
        }
        while isHeld { try await Task.sleep(for: .milliseconds(10)) }
        return Response(status: attempt <= failures ? .internalServerError : .ok)
    }

    /// Runs `body` with the receiver listening; passes its URL.
    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/hook") { request, _ in try await self.answer(request) }
        var logger = Logger(label: "webhook-receiver")
        logger.logLevel = .critical
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), logger: logger)
        return try await app.test(.live) { client in
            try await body("http://127.0.0.1:\(client.port ?? 0)/hook")
        }
    }

    /// Waits (bounded) until `count` requests arrived.
    func wait(for count: Int) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while requests.count < count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// Adds `project` with one endpoint; returns it.
@discardableResult
func addWebhook(
    root: String, project: String = "proj", url: String, events: [WebhookEventType] = [], secret: String? = "s3cret",
    authorization: String? = "Bearer hook-token"
) async throws -> WebhookEndpoint {
    let admin = try RegistryAdmin(root: root)
    if (try await admin.store.current()).projects[project] == nil {
        try await admin.createProject(project, public: false)
    }
    return try await RegistryWebhooks.add(
        store: SecurityStore(root: root), project: project,
        endpoint: WebhookEndpoint(url: url, events: events, secret: secret, authorization: authorization))
}

func hmacHex(_ body: Data, _ secret: String) -> String {
    HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        .map { String(format: "%02x", $0) }.joined()
}

func fastRetries(_ services: RegistryServices, attempts: Int = 3, timeout: Duration = .seconds(5)) {
    var settings = WebhookNotifier.Settings()
    settings.maxAttempts = attempts
    settings.initialBackoff = .milliseconds(50)
    settings.timeout = timeout
    services.webhooks.settings = settings
}

// On the file system only: a receiver outlives one registry, and delivery does not touch storage.
@Suite struct WebhookTests {
    /// Checks the signature, the Authorization header and the common payload fields of a delivery.
    func checkSigned(_ request: WebhookReceiver.Received, type: String, repository: String) {
        #expect(request.header("X-Berth-Signature") == "sha256=" + hmacHex(request.body, "s3cret"))
        #expect(request.header("Authorization") == "Bearer hook-token")
        #expect(request.header("X-Berth-Event") == type)
        #expect(request.header("Content-Type") == "application/json")
        let json = request.json
        #expect(json["type"] as? String == type)
        #expect(json["project"] as? String == "proj")
        #expect(json["repository"] as? String == repository)
        #expect((json["event_id"] as? String)?.isEmpty == false)
        #expect(request.header("X-Berth-Event-Id") == json["event_id"] as? String)
        #expect((json["occurred_at"] as? String).flatMap { ISO8601DateFormatter.withFractions.date(from: $0) } != nil)
    }

    /// With a metadata database the delivery log is one table for every replica, the newest
    /// attempts of each project kept.
    @Test func deliveriesInTheDatabaseAreOneBoundedLogPerProject() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let metadata = try await MetadataStore.open("sqlite:\(root.path)/metadata.db?busy_timeout=120")
        let replicas = [
            WebhookDeliveryLog(root: root.path, metadata: metadata, keep: 20),
            WebhookDeliveryLog(root: root.path, metadata: metadata, keep: 20),
        ]
        for attempt in 1...250 {
            await replicas[attempt % 2].append(
                project: attempt % 5 == 0 ? "other" : "proj",
                WebhookDelivery(
                    time: Date(), eventID: "e\(attempt)", eventType: "push", webhook: "ci", url: "http://127.0.0.1:9/",
                    attempt: attempt, statusCode: 500, error: nil, durationMilliseconds: 3, delivered: false,
                    willRetry: true))
        }
        let newest = try await replicas[0].read(project: "proj", limit: 3)
        #expect(newest.map(\.attempt) == [247, 248, 249], "the newest, oldest first, from both replicas")
        #expect(try await replicas[1].read(project: "other", limit: 2).map(\.attempt) == [245, 250])
        let kept = try await replicas[0].read(project: "proj", limit: 1_000).count
        #expect(kept >= 20 && kept <= 20 + 100, "kept \(kept) of 200")
        #expect(!FileManager.default.fileExists(atPath: root.path + "/webhooks"), "no files beside the database")
        await metadata.close()
    }

    @Test func pushDeleteScanAndQuotaEventsAreDeliveredSigned() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let layer = try image.layer()
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            try await withRegistry(storages: [.fileSystem], configure: scanning(image.database)) { client, services in
                try await addWebhook(root: services.storage.root, url: url)
                let api = API(client: client)
                let (data, digest) = try await api.pushImage("proj/app", reference: "v1", layers: [layer])
                await services.scans?.waitUntilIdle()
                let deleted = try await api.request(.delete, "/v2/proj/app/manifests/v1")
                #expect(deleted.status == .accepted)
                // A quota just above what is stored refuses the next blob.
                let used = try await PolicyEngine.usage(project: "proj", storage: services.storage).bytes
                try await RegistryAdmin(root: services.storage.root).store.update {
                    $0.projects["proj"]?.quotaBytes = used + 10
                }
                let start = try await api.request(.post, "/v2/proj/app/blobs/uploads/")
                let location = try #require(start.header("Location"))
                let blob = randomData(5_000)
                let refused = try await api.request(
                    .put, "\(location)?digest=\(Digest.of(blob))",
                    headers: ["Content-Type": "application/octet-stream"],
                    body: blob)
                #expect(refused.status == .forbidden)
                await services.webhooks.waitUntilIdle()
                try await receiver.wait(for: 4)
                let byType = Dictionary(grouping: receiver.requests) { $0.header("X-Berth-Event") ?? "" }
                #expect(Set(byType.keys) == ["push", "delete", "scan_completed", "quota_exceeded"])

                let push = try #require(byType["push"]?.first)
                checkSigned(push, type: "push", repository: "proj/app")
                let resource = try #require((push.json["resources"] as? [[String: Any]])?.first)
                #expect(resource["digest"] as? String == digest.description)
                #expect(resource["tag"] as? String == "v1")
                #expect(resource["media_type"] as? String == MediaType.ociManifest)
                #expect(resource["size"] as? Int == data.count)
                #expect((resource["resource_url"] as? String)?.hasSuffix("/proj/app:v1") == true)

                let delete = try #require(byType["delete"]?.first)
                checkSigned(delete, type: "delete", repository: "proj/app")
                #expect((delete.json["resources"] as? [[String: Any]])?.first?["tag"] as? String == "v1")

                let scan = try #require(byType["scan_completed"]?.first)
                checkSigned(scan, type: "scan_completed", repository: "proj/app")
                let summary = try #require(scan.json["scan"] as? [String: Any])
                #expect(summary["status"] as? String == "completed")
                #expect(summary["vulnerabilities"] as? Int == 1)
                #expect((summary["severities"] as? [String: Int])?["high"] == 1)
                #expect((summary["top"] as? [String])?.first?.hasPrefix(VulnerableImage.vulnerability) == true)
                #expect(scan.json["operator"] as? String == "berth")

                let quota = try #require(byType["quota_exceeded"]?.first)
                checkSigned(quota, type: "quota_exceeded", repository: "proj/app")
                let refusal = try #require(quota.json["quota"] as? [String: Any])
                #expect((refusal["quota_bytes"] as? Int).map(Int64.init) == used + 10)
                #expect((refusal["message"] as? String)?.contains("quota") == true)
            }
        }
    }

    @Test func failedScanIsDeliveredAndEndpointsGetOnlyTheirEvents() async throws {
        let image = try VulnerableImage()
        defer { image.cleanUp() }
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            let missing = image.builder.root + "/no-such-database.sqlite"
            try await withRegistry(storages: [.fileSystem], configure: scanning(missing)) { client, services in
                try await addWebhook(root: services.storage.root, url: url, events: [.scanFailed])
                let api = API(client: client)
                try await api.pushImage("proj/app", reference: "v1", layers: [try image.layer()])
                await services.scans?.waitUntilIdle()
                await services.webhooks.waitUntilIdle()
                try await receiver.wait(for: 1)
                #expect(receiver.requests.map { $0.header("X-Berth-Event") } == ["scan_failed"])
                let failed = try #require(receiver.requests.first)
                checkSigned(failed, type: "scan_failed", repository: "proj/app")
                let summary = try #require(failed.json["scan"] as? [String: Any])
                #expect(summary["status"] as? String == "failed")
                #expect((summary["error"] as? String)?.isEmpty == false)
            }
        }
    }

    @Test func failedDeliveriesAreRetriedWithBackoffAndLogged() async throws {
        let receiver = WebhookReceiver(failures: 2)
        try await receiver.serve { url in
            try await withRegistry(storages: [.fileSystem]) { client, services in
                fastRetries(services, attempts: 5)
                let endpoint = try await addWebhook(root: services.storage.root, url: url, events: [.push])
                let api = API(client: client)
                try await api.pushImage("proj/app", reference: "v1", layers: [randomData(100)])
                await services.webhooks.waitUntilIdle()
                let arrivals = receiver.requests
                #expect(arrivals.map { $0.header("X-Berth-Delivery-Attempt") } == ["1", "2", "3"])
                #expect(Set(arrivals.map(\.body)).count == 1, "every attempt sends the same body")
                let log = try await RegistryWebhooks.deliveryLog(storage: services.storage, project: "proj")
                #expect(log.map(\.attempt) == [1, 2, 3])
                #expect(log.map(\.statusCode) == [500, 500, 200])
                #expect(log.map(\.willRetry) == [true, true, false])
                #expect(log.map(\.delivered) == [false, false, true])
                #expect(Set(log.map(\.eventID)).count == 1)
                #expect(log.allSatisfy { $0.url == url && $0.webhook == endpoint.id && $0.eventType == "push" })
                #expect(log.allSatisfy { $0.error == nil && $0.durationMilliseconds >= 0 })
                #expect(services.webhooks.statistics.delivered == 1)
                let gaps = zip(arrivals.dropFirst(), arrivals).map { $0.at - $1.at }
                print("webhook retries: 3 attempts, gaps between attempts \(gaps) (backoff 50 ms, doubled)")

                // The command line prints the same log.
                if let executable = ServerProcess.required {
                    let printed = try await run(
                        executable, ["registry", "webhooks", "proj", "--log", "--root", services.storage.root])
                    #expect(printed.status == 0, "\(printed.error)")
                    let lines = printed.output.split(separator: "\n")
                    #expect(lines.count == 3)
                    #expect(lines.last?.contains("attempt 3: HTTP 200") == true)
                    #expect(lines.first?.contains("attempt 1: HTTP 500") == true)
                    #expect(lines.first?.contains("will retry") == true)
                }
            }
        }
    }

    @Test func aReceiverThatHoldsDeliveriesDoesNotHoldUpPushes() async throws {
        let held = WebhookReceiver(held: true)
        try await held.serve { url in
            try await withRegistry(storages: [.fileSystem]) { client, services in
                fastRetries(services, attempts: 2, timeout: .seconds(120))
                try await addWebhook(root: services.storage.root, url: url, events: [.push])
                let api = API(client: client)
                let started = ContinuousClock.now
                for number in 0..<10 {
                    try await api.pushImage("proj/app", reference: "t\(number)", layers: [randomData(100)])
                }
                let pushing = ContinuousClock.now - started
                // Every push was answered while the receiver still held the deliveries of its events.
                let outstanding = services.webhooks.statistics.outstanding
                #expect(outstanding == 10)
                #expect(try await services.storage.tags("proj/app").count == 10)
                held.release()
                await services.webhooks.waitUntilIdle()
                #expect(services.webhooks.statistics.delivered == 10)
                let log = try await RegistryWebhooks.deliveryLog(storage: services.storage, project: "proj")
                #expect(log.map(\.statusCode) == Array(repeating: 200, count: 10))
                print(
                    "webhooks: 10 pushes in \(pushing) while the receiver held every delivery (\(outstanding) outstanding)"
                )
            }
        }
    }

    @Test func anUnreachableReceiverFailsNoPushAndIsLogged() async throws {
        // A port that was just free: nothing listens there. The client keeps trying to connect
        // until the attempt's time limit, so each attempt ends with an error, not a status.
        let closed = try await WebhookReceiver().serve { $0 }
        try await withRegistry(storages: [.fileSystem]) { client, services in
            fastRetries(services, attempts: 2, timeout: .seconds(1))
            try await addWebhook(root: services.storage.root, url: closed, events: [.push])
            let api = API(client: client)
            for number in 0..<10 {
                try await api.pushImage("proj/app", reference: "t\(number)", layers: [randomData(100)])
            }
            #expect(try await services.storage.tags("proj/app").count == 10)
            await services.webhooks.waitUntilIdle()
            #expect(services.webhooks.statistics.failed == 10)
            let log = try await RegistryWebhooks.deliveryLog(storage: services.storage, project: "proj")
            #expect(log.count == 20, "two attempts each")
            #expect(log.allSatisfy { $0.statusCode == nil && $0.error != nil && !$0.delivered && $0.url == closed })
            #expect(log.filter(\.willRetry).count == 10)
        }
    }

    @Test(.timeLimit(.minutes(2))) func aLiveServerDeliversToEndpointsAddedWhileItRuns() async throws {
        guard let executable = ServerProcess.required else { return }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let receiver = WebhookReceiver()
        try await receiver.serve { url in
            let server = try await ServerProcess(executable: executable, root: root.path)
            try await RegistryAdmin(root: root.path).createProject("proj", public: false)
            let secret = root.path + "/secret"
            try Data("live-secret".utf8).write(to: URL(fileURLWithPath: secret))
            let added = try await run(
                executable,
                ["registry", "webhooks", "add", "proj", url, "--secret-file", secret, "--root", root.path])
            #expect(added.status == 0, "\(added.error)")
            let pusher = HTTPPusher(client: .shared, base: "http://127.0.0.1:\(server.port)")
            let image = try #require(
                try await pusher.pushImage(repository: "proj/live", tag: "v1", layerSize: 2048, chunked: false))
            try await receiver.wait(for: 1)
            let push = try #require(receiver.requests.first)
            #expect(push.header("X-Berth-Signature") == "sha256=" + hmacHex(push.body, "live-secret"))
            #expect(push.json["repository"] as? String == "proj/live")
            let resource = (push.json["resources"] as? [[String: Any]])?.first
            #expect(resource?["digest"] as? String == Digest.of(image.manifest).description)
            #expect(resource?["resource_url"] as? String == "127.0.0.1:\(server.port)/proj/live:v1")
            // The server logs the attempt once the answer is back: wait for it (bounded).
            var log: [WebhookDelivery] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while log.isEmpty && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
                log = try await RegistryWebhooks.deliveryLog(
                    storage: try RegistryStorage(root: root.path), project: "proj")
            }
            server.kill9()
            #expect(log.map(\.delivered) == [true])
        }
    }

    @Test func endpointsAreAddedListedDisabledAndRemoved() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        await #expect(throws: RegistryAdmin.AdminError.self) {
            try await addWebhook(root: root.path, url: "ftp://example.com/hook")
        }
        let endpoint = try await addWebhook(root: root.path, url: "https://example.com/hook", events: [.push, .delete])
        #expect(try await RegistryWebhooks.list(store: SecurityStore(root: root.path), project: "proj") == [endpoint])
        try await RegistryWebhooks.setEnabled(
            store: SecurityStore(root: root.path), project: "proj", id: endpoint.id, enabled: false)
        #expect(
            try await RegistryWebhooks.list(store: SecurityStore(root: root.path), project: "proj").first?.enabled
                == false)
        #expect(
            try await RegistryWebhooks.list(store: SecurityStore(root: root.path), project: "proj").first?.subscribes(
                to: .push) == false)
        try await RegistryWebhooks.remove(store: SecurityStore(root: root.path), project: "proj", id: endpoint.id)
        #expect(try await RegistryWebhooks.list(store: SecurityStore(root: root.path), project: "proj").isEmpty)
        await #expect(throws: RegistryAdmin.AdminError.self) {
            try await RegistryWebhooks.remove(store: SecurityStore(root: root.path), project: "proj", id: endpoint.id)
        }

        // The same through the command line; secrets are never printed.
        guard let executable = ServerProcess.required else { return }
        let secret = root.path + "/secret"
        try Data("k3y-material\n".utf8).write(to: URL(fileURLWithPath: secret))
        let added = try await run(
            executable,
            [
                "registry", "webhooks", "add", "proj", "http://127.0.0.1:9/hook", "--event", "push", "--secret-file",
                secret, "--id", "ci", "--root", root.path,
            ])
        #expect(added.status == 0, "\(added.error)")
        #expect(added.output == "ci\n")
        #expect(
            try await RegistryWebhooks.list(store: SecurityStore(root: root.path), project: "proj").first?.secret
                == "k3y-material")
        let listed = try await run(executable, ["registry", "webhooks", "proj", "--root", root.path])
        #expect(listed.output == "ci http://127.0.0.1:9/hook push signed\n")
        let json = try await run(executable, ["registry", "webhooks", "proj", "--format", "json", "--root", root.path])
        #expect(!json.output.contains("k3y-material"))
        let removed = try await run(executable, ["registry", "webhooks", "remove", "proj", "ci", "--root", root.path])
        #expect(removed.status == 0)
        #expect(try await RegistryWebhooks.list(store: SecurityStore(root: root.path), project: "proj").isEmpty)
    }
}

extension ISO8601DateFormatter {
    static var withFractions: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}
