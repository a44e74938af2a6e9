import AsyncHTTPClient
import Crypto
import Foundation
import HTTPTypes
import Logging
import NIOConcurrencyHelpers
import OCI
import RegistryMetadata
import TestSupport
import Testing

@testable import Registry

@Suite struct PolicyTests {
    func projectWith(_ change: @escaping @Sendable (inout ProjectRecord) -> Void) -> (String) async throws -> Void {
        { root in
            let admin = try RegistryAdmin(root: root)
            try await admin.createProject("pol", public: false)
            try await admin.store.update { state in
                var record = state.projects["pol"] ?? ProjectRecord()
                change(&record)
                state.projects["pol"] = record
            }
        }
    }

    @Test func immutableTagsCannotMoveOrBeDeleted() async throws {
        try await withRegistry(prepare: projectWith { $0.immutableTags = ["v*", "release-?"] }) { client, services in
            let api = API(client: client)
            let first = try await api.pushImage("pol/app", reference: "v1", layers: [randomData(10)])
            // Same digest again: allowed.
            let again = try await api.request(
                .put, "/v2/pol/app/manifests/v1", headers: ["Content-Type": MediaType.ociManifest], body: first.data)
            #expect(again.status == .created)
            let second = try await api.pushImage("pol/app", reference: "latest", layers: [randomData(10)])
            let move = try await api.request(
                .put, "/v2/pol/app/manifests/v1", headers: ["Content-Type": MediaType.ociManifest], body: second.data)
            #expect(move.status == .preconditionFailed)
            #expect(move.errorCode == "PROJECTPOLICYVIOLATION")
            let deleteTag = try await api.request(.delete, "/v2/pol/app/manifests/v1")
            #expect(deleteTag.status == .preconditionFailed)
            let deleteManifest = try await api.request(.delete, "/v2/pol/app/manifests/\(first.digest)")
            #expect(deleteManifest.status == .preconditionFailed)
            // Tags outside the rules stay mutable.
            let moveLatest = try await api.request(
                .put, "/v2/pol/app/manifests/latest", headers: ["Content-Type": MediaType.ociManifest], body: first.data
            )
            #expect(moveLatest.status == .created)
            #expect(try await services.storage.resolveTag("pol/app", "v1") == first.digest)
        }
    }

    @Test func concurrentPushesToOneImmutableTagLeaveOneWinner() async throws {
        try await withRegistry(prepare: projectWith { $0.immutableTags = ["v*"] }) { client, services in
            let api = API(client: client)
            // Twelve different images, their blobs pushed first; then every manifest at once to `v1`.
            var manifests: [Data] = []
            for index in 0..<12 {
                let config = Data(#"{"architecture":"amd64","os":"linux","n":\#(index)}"#.utf8)
                let layer = randomData(500 + index)
                let configDigest = try await api.pushBlob("pol/app", config)
                let layerDigest = try await api.pushBlob("pol/app", layer)
                manifests.append(
                    Data(
                        """
                        {"schemaVersion":2,"mediaType":"\(MediaType.ociManifest)",\
                        "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":\(config.count)},\
                        "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"\(layerDigest)","size":\(layer.count)}]}
                        """.utf8))
            }
            let statuses = try await withThrowingTaskGroup(of: (Int, Data).self) { group in
                for manifest in manifests {
                    group.addTask {
                        let response = try await api.request(
                            .put, "/v2/pol/app/manifests/v1", headers: ["Content-Type": MediaType.ociManifest],
                            body: manifest)
                        return (response.status.code, manifest)
                    }
                }
                var all: [(Int, Data)] = []
                for try await result in group { all.append(result) }
                return all
            }
            let winners = statuses.filter { $0.0 == 201 }
            #expect(winners.count == 1, "\(statuses.map(\.0))")
            #expect(statuses.filter { $0.0 == 412 }.count == 11)
            let tagged = try await api.request(.get, "/v2/pol/app/manifests/v1")
            #expect(tagged.data == winners.first?.1)
            #expect(try await services.storage.resolveTag("pol/app", "v1") == winners.first.map { Digest.of($0.1) })
        }
    }

    @Test func concurrentUploadsStayWithinTheQuota() async throws {
        try await withRegistry(prepare: projectWith { $0.quotaBytes = 100_000 }) { client, services in
            let api = API(client: client)
            // Ten uploads of 25,000 bytes at once into a 100,000-byte quota: four fit, six are refused.
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<10 {
                    group.addTask {
                        let start = try await api.request(.post, "/v2/pol/r\(index % 3)/blobs/uploads/")
                        let location = try #require(start.header("Location"))
                        let data = randomData(25_000)
                        let put = try await api.request(
                            .put, "\(location)?digest=\(Digest.of(data))",
                            headers: ["Content-Type": "application/octet-stream"], body: data)
                        return put.status.code
                    }
                }
                var all: [Int] = []
                for try await status in group { all.append(status) }
                return all
            }
            #expect(statuses.filter { $0 == 201 }.count == 4, "\(statuses)")
            #expect(statuses.filter { $0 == 403 }.count == 6)
            let usage = try await PolicyEngine.usage(project: "pol", storage: services.storage)
            #expect(usage.bytes == 100_000)
            // With a database, its index says the same as the walk of the store.
            #expect(try await PolicyEngine.usedBytes(project: "pol", storage: services.storage) == 100_000)
        }
    }

    @Test func quotaRefusesPushesBeyondTheLimit() async throws {
        try await withRegistry(prepare: projectWith { $0.quotaBytes = 50_000 }) { client, _ in
            let api = API(client: client)
            try await api.pushBlob("pol/a", randomData(30_000))
            let start = try await api.request(.post, "/v2/pol/b/blobs/uploads/")
            let location = try #require(start.header("Location"))
            let big = randomData(30_000)
            let over = try await api.request(.put, "\(location)?digest=\(Digest.of(big))", body: big)
            #expect(over.status == .forbidden)
            #expect(over.errorCode == "DENIED")
            // Deduplicated content does not count twice: mounting what the project has is free.
            let small = try await api.pushBlob("pol/a", randomData(1_000))
            let mount = try await api.request(.post, "/v2/pol/b/blobs/uploads/?mount=\(small)&from=pol/a")
            #expect(mount.status == .created)
            // Other projects are not limited.
            try await api.pushBlob("free/a", randomData(60_000))
        }
    }

    @Test func signatureGateRefusesUnsignedPulls() async throws {
        try await withRegistry(prepare: projectWith { $0.requireSignature = true }) { client, services in
            let api = API(client: client)
            let image = try await api.pushImage("pol/app", reference: "v1", layers: [randomData(10)])
            let refused = try await api.request(.get, "/v2/pol/app/manifests/v1")
            #expect(refused.status == .preconditionFailed)
            #expect(refused.errorCode == "PROJECTPOLICYVIOLATION")
            #expect(refused.text.contains("\(image.digest.tagForm).sig"))
            // HEAD stays allowed so clients can resolve digests (cosign needs it to sign).
            #expect(try await api.request(.head, "/v2/pol/app/manifests/v1").status == .ok)

            // A cosign signature stored by the tag convention unlocks the pull.
            let payload = Data(
                #"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"\#(image.digest)"},"type":"cosign container image signature"},"optional":null}"#
                    .utf8)
            let payloadDigest = try await api.pushBlob("pol/app", payload)
            let config = Data("{}".utf8)
            let configDigest = try await api.pushBlob("pol/app", config)
            let signature = """
                {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
                 "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":2},
                 "layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\(payloadDigest)","size":\(payload.count),
                   "annotations":{"dev.cosignproject.cosign/signature":"MEUCIQ=="}}]}
                """
            let put = try await api.request(
                .put, "/v2/pol/app/manifests/\(image.digest.tagForm).sig",
                headers: ["Content-Type": MediaType.ociManifest], body: Data(signature.utf8))
            #expect(put.status == .created)
            #expect(
                try await api.request(.get, "/v2/pol/app/manifests/\(image.digest.tagForm).sig").status == .ok,
                "signatures are pullable")
            let allowed = try await api.request(.get, "/v2/pol/app/manifests/v1")
            #expect(allowed.status == .ok)

            // A notation signature referrer works too.
            let other = try await api.pushImage("pol/app", reference: "v2", layers: [randomData(10)])
            #expect(try await api.request(.get, "/v2/pol/app/manifests/v2").status == .preconditionFailed)
            try await api.pushImage(
                "pol/app", reference: "v2-sig", layers: [randomData(10)], subject: (other.digest, other.data.count),
                artifactType: "application/vnd.cncf.notary.signature")
            #expect(try await api.request(.get, "/v2/pol/app/manifests/v2").status == .ok)

            let audit = try await auditText(services)
            #expect(
                audit.split(separator: "\n").allSatisfy {
                    (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil
                })
            #expect(audit.contains(#""action":"pull""#))
        }
    }

    @Test func customPullGateBlocks() async throws {
        struct SeverityGate: PullGate {
            func check(
                repository: String, project: ProjectRecord, manifest: RegistryStorage.StoredManifest,
                storage: RegistryStorage
            ) throws {
                if repository.hasSuffix("vulnerable") {
                    throw RegistryError(.preconditionFailed, .policyViolation, "critical vulnerabilities found")
                }
            }
        }
        let root = TemporaryRoot()
        defer { root.cleanup() }
        var configuration = RegistryConfiguration()
        configuration.root = root.path
        let services = try await RegistryServices(
            configuration: configuration, gates: [SignatureGate(), SeverityGate()])
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try buildApplication(services: services, logger: logger)
        try await app.test(.router) { client in
            let api = API(client: client)
            try await api.pushImage("scan/vulnerable", reference: "v1", layers: [randomData(10)])
            try await api.pushImage("scan/clean", reference: "v1", layers: [randomData(10)])
            #expect(try await api.request(.get, "/v2/scan/vulnerable/manifests/v1").status == .preconditionFailed)
            #expect(try await api.request(.get, "/v2/scan/clean/manifests/v1").status == .ok)
        }
    }

    @Test func oversizedBlobsAreRefused() async throws {
        try await withRegistry(configure: { $0.maxBlobBytes = 10_000 }) { client, _ in
            let api = API(client: client)
            let start = try await api.request(.post, "/v2/big/app/blobs/uploads/")
            let location = try #require(start.header("Location"))
            let data = randomData(20_000)
            let response = try await api.request(.patch, location, body: data)
            #expect(response.status == .contentTooLarge)
            #expect(response.errorCode == "SIZE_INVALID")
            let status = try await api.request(.get, location)
            #expect(status.header("Range") == "0-0", "nothing of the refused chunk was kept")
        }
    }

    @Test func metricsAndHealth() async throws {
        try await withRegistry { client, _ in
            let api = API(client: client)
            _ = try await api.request(.get, "/v2/")
            _ = try await api.request(.get, "/v2/x/manifests/none")
            let health = try await api.request(.get, "/healthz")
            #expect(health.status == .ok)
            let metrics = try await api.request(.get, "/metrics")
            #expect(
                metrics.text.contains(
                    #"berth_registry_http_requests_total{method="GET",endpoint="manifest",status="404"} 1"#))
            #expect(metrics.text.contains("berth_registry_http_request_duration_seconds_bucket"))
        }
    }

    @Test func configurationFileLoadsAndValidates() throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let path = root.path + "/registry.yaml"
        try """
        address: 127.0.0.1:5055
        maxManifestBytes: 1000
        deleteEnabled: false
        auth:
          service: example
          tokenLifetimeSeconds: 10
        projects:
          wso2:
            public: true
            immutableTags: ["v*"]
            quotaBytes: 1024
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let configuration = try RegistryConfiguration.load(path: path)
        #expect(configuration.address == "127.0.0.1:5055")
        #expect(configuration.maxManifestBytes == 1000)
        #expect(!configuration.deleteEnabled)
        #expect(configuration.auth.service == "example")
        #expect(configuration.auth.tokenLifetimeSeconds == 60, "never below 60")
        #expect(configuration.projects["wso2"]?.immutableTags == ["v*"])
        #expect(configuration.isLoopback)

        try "address: nowhere\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RegistryConfigurationError.self) { try RegistryConfiguration.load(path: path) }
        try "projects:\n  Bad_Name: {}\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RegistryConfigurationError.self) { try RegistryConfiguration.load(path: path) }
        try "maxManifestBytes: [1]\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RegistryConfigurationError.self) { try RegistryConfiguration.load(path: path) }

        // Signing policy: attestation types are checked at load time; identities are read from files.
        try "subject=x\n".write(toFile: root.path + "/ca.pem", atomically: true, encoding: .utf8)
        try """
        projects:
          wso2:
            requireSignature: true
            requiredAttestations: [cyclonedx, "https://example.com/custom/v1"]
            signatureIdentities:
              - {identity: release@example.com, issuer: https://issuer.example, caFile: \(root.path)/ca.pem}
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let signing = try RegistryConfiguration.load(path: path)
        #expect(signing.projects["wso2"]?.requiredAttestations == ["cyclonedx", "https://example.com/custom/v1"])
        #expect(signing.projects["wso2"]?.signatureIdentities?.first?.identity == "release@example.com")
        try "projects:\n  wso2:\n    requiredAttestations: [sbom-of-sorts]\n".write(
            toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: RegistryConfigurationError.self) { try RegistryConfiguration.load(path: path) }
    }

    @Test func slowClientsAreDisconnected() async throws {
        try await withRegistry(live: true, configure: { $0.idleTimeoutSeconds = 1 }) { client, _ in
            let port = try #require(client.port)
            // Open a connection, send half a request line, then stall.
            let fd = try #require(loopbackSocket(port: port, timeoutSeconds: 5))
            defer { close(fd) }
            _ = "GET /v2/ HT".withCString { send(fd, $0, 11, 0) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let received = recv(fd, &buffer, buffer.count, 0)
            // 0: the server closed the stalled connection within its idle timeout; the client's own
            // 5-second receive timeout would have returned -1 instead.
            #expect(received == 0, "the server closed the stalled connection")
            // The server still serves others.
            // A generous deadline: on a loaded machine the point is that it answers, not how fast.
            let ok = try await HTTPPusher(client: .shared, base: "http://127.0.0.1:\(port)")
                .send(.GET, "/v2/", timeout: .seconds(60))
            #expect(ok.status == 200)
        }
    }
}

@Suite struct SignatureVerificationTests {
    /// Pushes a cosign-style signature of `digest` signed with `key` under the tag convention.
    func pushCosignSignature(
        _ api: API, repository: String, digest: OCI.Digest, key: P256.Signing.PrivateKey, claimed: OCI.Digest? = nil
    ) async throws {
        let payload = Data(
            #"{"critical":{"identity":{"docker-reference":"x"},"image":{"docker-manifest-digest":"\#(claimed ?? digest)"},"type":"cosign container image signature"},"optional":null}"#
                .utf8)
        let signature = try key.signature(for: payload).derRepresentation.base64EncodedString()
        let payloadDigest = try await api.pushBlob(repository, payload)
        let config = Data("{}".utf8)
        let configDigest = try await api.pushBlob(repository, config)
        let manifest = """
            {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
             "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(configDigest)","size":2},
             "layers":[{"mediaType":"application/vnd.dev.cosign.simplesigning.v1+json","digest":"\(payloadDigest)","size":\(payload.count),
               "annotations":{"dev.cosignproject.cosign/signature":"\(signature)"}}]}
            """
        let put = try await api.request(
            .put, "/v2/\(repository)/manifests/\(digest.tagForm).sig", headers: ["Content-Type": MediaType.ociManifest],
            body: Data(manifest.utf8))
        #expect(put.status == .created)
    }

    @Test func onlySignaturesByTheProjectKeyOpenThePull() async throws {
        let trusted = P256.Signing.PrivateKey()
        let publicKey = trusted.publicKey.pemRepresentation
        try await withRegistry(prepare: { root in
            let admin = try RegistryAdmin(root: root)
            try await admin.createProject("signed", public: false)
            try await admin.setPolicy(
                project: "signed", immutableTags: nil, quotaBytes: nil, requireSignature: true, isPublic: nil,
                signatureKeys: [publicKey])
            await #expect(throws: RegistryAdmin.AdminError.self) {
                try await admin.setPolicy(
                    project: "signed", immutableTags: nil, quotaBytes: nil, requireSignature: nil, isPublic: nil,
                    signatureKeys: ["not a key"])
            }
        }) { client, _ in
            let api = API(client: client)
            let image = try await api.pushImage("signed/app", reference: "v1", layers: [randomData(10)])
            let unsigned = try await api.request(.get, "/v2/signed/app/manifests/v1")
            #expect(unsigned.status == .preconditionFailed)
            #expect(unsigned.text.contains("no signature"), "the refusal says why")
            // Signed by an unknown key: still refused.
            try await pushCosignSignature(
                api, repository: "signed/app", digest: image.digest, key: P256.Signing.PrivateKey())
            let wrongKey = try await api.request(.get, "/v2/signed/app/manifests/v1")
            #expect(wrongKey.status == .preconditionFailed)
            #expect(wrongKey.text.contains("does not verify against"), "\(wrongKey.text)")
            // Signed by the project key but for another digest: refused.
            try await pushCosignSignature(
                api, repository: "signed/app", digest: image.digest, key: trusted,
                claimed: OCI.Digest.of(Data("other".utf8)))
            let mismatch = try await api.request(.get, "/v2/signed/app/manifests/v1")
            #expect(mismatch.status == .preconditionFailed)
            #expect(mismatch.text.contains("payload digest mismatch"), "\(mismatch.text)")
            // Signed by the project key for this digest: allowed.
            try await pushCosignSignature(api, repository: "signed/app", digest: image.digest, key: trusted)
            #expect(try await api.request(.get, "/v2/signed/app/manifests/v1").status == .ok)
            #expect(try await api.request(.get, "/v2/signed/app/manifests/\(image.digest)").status == .ok)
        }
    }
}

@Suite struct SecurityStoreTests {
    /// Where a pair of stores keeps the state: the file under a root, or one database.
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case file
        case sqlite
        case postgres

        var testDescription: String { rawValue }
    }

    /// Two stores on one state (a server and a command, or two replicas), or nil when the backend
    /// is not available here (a failure under CI).
    func stores(_ backend: Backend, root: TemporaryRoot) async throws -> (
        [SecurityStore], cleanup: @Sendable () async -> Void
    )? {
        switch backend {
        case .file:
            return ([SecurityStore(root: root.path), SecurityStore(root: root.path)], {})
        case .sqlite:
            try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
            let stores = [
                try await MetadataStore.open("sqlite:\(root.path)/metadata.db?busy_timeout=120"),
                try await MetadataStore.open("sqlite:\(root.path)/metadata.db?busy_timeout=120"),
            ]
            return (stores.map { SecurityStore(metadata: $0) }, { for store in stores { await store.close() } })
        case .postgres:
            guard let server = ProcessInfo.processInfo.environment["BERTH_TEST_POSTGRES"] else {
                if Environment.isCI { Issue.record("BERTH_TEST_POSTGRES is required under CI") }
                return nil
            }
            let (url, name) = try PostgresDatabases.create(
                on: server,
                query: [
                    URLQueryItem(name: "max_connections", value: "4"),
                    URLQueryItem(name: "lease_timeout", value: "120"),
                ])
            let stores = [try await MetadataStore.open(url), try await MetadataStore.open(url)]
            return (
                stores.map { SecurityStore(metadata: $0) },
                {
                    for store in stores { await store.close() }
                    PostgresDatabases.drop(on: server, name: name)
                }
            )
        }
    }

    @Test(arguments: Backend.allCases)
    func concurrentUpdatesFromTwoStoresLoseNothing(backend: Backend) async throws {
        // Forty changes at once through two stores, each a read, a change and a write.
        let root = TemporaryRoot()
        defer { root.cleanup() }
        guard let (stores, cleanup) = try await stores(backend, root: root) else { return }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await stores[index % 2].update { state in
                        state.projects["p\(index)"] = ProjectRecord()
                        state.projects["p\(index)"]?.immutableTags = ["v\(index)"]
                    }
                }
            }
            try await group.waitForAll()
        }
        for store in stores {
            let projects = try await store.current(fresh: true).projects
            #expect(projects.count == 40, "\(backend): projects kept: \(projects.count) of 40")
            #expect(projects["p7"]?.immutableTags == ["v7"])
        }
        await cleanup()
    }

    @Test(arguments: [Backend.sqlite, .postgres])
    func everyFieldSurvivesTheDatabase(backend: Backend) async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        guard let (stores, cleanup) = try await stores(backend, root: root) else { return }
        var state = SecurityState()
        state.users["root"] = UserRecord(passwordHash: "$2b$10$abc", admin: true)
        state.users["dev"] = UserRecord(passwordHash: "$2b$10$def", admin: false)
        state.robots["robot$team+ci"] = RobotRecord(
            secretHash: "0f", project: "team", role: .developer, expires: Date(timeIntervalSince1970: 2_000_000_000))
        var team = ProjectRecord()
        team.public = true
        team.members = ["dev": .maintainer]
        team.immutableTags = ["v*"]
        team.quotaBytes = 1_000_000
        team.requireSignature = true
        team.signatureKeys = ["-----BEGIN PUBLIC KEY-----\nx\n-----END PUBLIC KEY-----\n"]
        team.requiredAttestations = ["https://slsa.dev/provenance/v1"]
        team.retention = RetentionRules(keepLast: 3, keepTags: ["release-*"])
        team.webhooks = [WebhookEndpoint(id: "ci", url: "https://hooks.example/berth", events: [.push])]
        state.projects["team"] = team
        state.projects["empty"] = ProjectRecord()
        try await stores[0].update { $0 = state }
        #expect(try await stores[1].current() == state)
        await cleanup()
    }

    @Test func aPolicyThisBuildCannotReadIsAnErrorNotAnEmptyPolicy() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let metadata = try await MetadataStore.open("sqlite:\(root.path)/metadata.db?busy_timeout=120")
        defer { Task { await metadata.close() } }
        let store = SecurityStore(metadata: metadata)
        try await store.update { state in
            state.projects["team"] = ProjectRecord()
            state.projects["team"]?.immutableTags = ["v*"]
        }
        let (records, revision) = try await metadata.securityRecords()
        var broken = records
        broken.projects["team"]?.policy = #"{"immutableTags": 7}"#
        #expect(try await metadata.replaceSecurity(from: records, to: broken, expected: revision) != nil)
        await #expect(throws: StorageError.self) { _ = try await store.current(fresh: true) }
        await #expect(throws: StorageError.self) {
            try await store.update { $0.projects["other"] = ProjectRecord() }
        }
    }

    /// A single node moving to a database keeps its users and projects: the first open of an
    /// empty database imports `state/security.json`; later opens never import again.
    @Test func anEmptyDatabaseImportsTheStateFileOnce() async throws {
        let root = TemporaryRoot()
        defer { root.cleanup() }
        let fileAdmin = try RegistryAdmin(root: root.path)
        try await fileAdmin.addUser("root", password: "password-root", admin: true, cost: 4)
        try await fileAdmin.createProject("team", public: false)
        try await fileAdmin.setMember(project: "team", user: "root", role: .admin)
        try await fileAdmin.setPolicy(
            project: "team", immutableTags: ["v*"], quotaBytes: .some(5_000), requireSignature: nil, isPublic: nil)
        var configuration = RegistryConfiguration()
        configuration.root = root.path
        configuration.database = "sqlite:state/metadata.db?busy_timeout=120"
        let admin = try await RegistryAdmin.open(configuration)
        let imported = try await admin.store.current()
        #expect(imported == (try await fileAdmin.store.current()))
        #expect(imported.projects["team"]?.quotaBytes == 5_000)
        // Changes go to the database; the file is left as it was.
        try await admin.addUser("dev", password: "password-dev", admin: false, cost: 4)
        #expect(try await fileAdmin.store.current().users["dev"] == nil)
        // A user added to the file afterwards is not imported by the next open.
        try await fileAdmin.addUser("late", password: "password-late", admin: false, cost: 4)
        let reopened = try await RegistryAdmin.open(configuration).store.current(fresh: true)
        #expect(reopened.users["dev"] != nil)
        #expect(reopened.users["late"] == nil)
        #expect(FileManager.default.fileExists(atPath: root.path + "/state/metadata.db"))
    }
}
