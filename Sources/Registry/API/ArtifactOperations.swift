import Foundation
import OCI

extension AdminAPI {
    /// The full name of a repository given within its project (`app` → `project/app`); a name that
    /// already starts with `project/` is taken as it is.
    static func repositoryName(_ given: String, project: String) throws -> String {
        let name = given == project || given.hasPrefix(project + "/") ? given : project + "/" + given
        guard RepositoryName.isValid(name) else {
            throw AdminAPIError(.badRequest, .invalid, "'\(given.prefix(200))' is not a repository name")
        }
        return name
    }

    static func digest(_ text: String) throws -> OCI.Digest {
        do {
            return try OCI.Digest(parsing: text)
        } catch {
            throw AdminAPIError(.badRequest, .invalid, "'\(text.prefix(200))' is not a digest")
        }
    }

    /// One stored manifest as the API lists it.
    static func artifact(_ repository: String, _ digest: OCI.Digest, tags: [String], storage: RegistryStorage)
        async throws -> APIArtifact?
    {
        guard let (stored, data) = try await storage.manifestContent(repository, digest: digest) else { return nil }
        var size = stored.size
        var artifactType: String?
        var subject: String?
        if let summary = try? ManifestParser.parse(data, contentType: stored.mediaType) {
            let children = summary.requiredBlobs + summary.manifests
            size += children.reduce(Int64(0)) { $0 + $1.size }
            artifactType = summary.artifactType
            subject = summary.subject?.digest.description
        }
        let pushed = try await storage.pushTime(repository, digest: digest)
        let record = try await ScanResults(storage: storage).record(digest)
        return APIArtifact(
            digest: digest.description, mediaType: stored.mediaType, artifactType: artifactType, size: size,
            tags: tags, pushedAt: pushed, subject: subject, vulnerabilities: record?.counts,
            scanStatus: record?.status.rawValue)
    }

    /// Repositories and artifacts: readers list them; maintainers delete artifacts.
    var artifactOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects/{project}/repositories", id: "listRepositories", tag: "repositories",
                summary: "List a project's repositories and artifacts.",
                details:
                    "Every repository of the project with its manifests: digest, media type, size (with what the manifest references), tags, push time and scan summary.",
                access: .projectRead, response: .list(APIRepository.self),
                responseDescription: "Repositories by name, artifacts newest first."
            ) { call in
                let project = try call.path("project")
                let storage = call.services.storage
                var repositories: [APIRepository] = []
                for name in try await storage.repositories().filter({ PolicyEngine.project(of: $0) == project })
                    .sorted()
                {
                    var tagsByDigest: [OCI.Digest: [String]] = [:]
                    for tag in try await storage.tags(name) {
                        if let digest = try await storage.resolveTag(name, tag) {
                            tagsByDigest[digest, default: []].append(tag)
                        }
                    }
                    var artifacts: [APIArtifact] = []
                    for revision in try await storage.revisions(name) {
                        if let artifact = try await AdminAPI.artifact(
                            name, revision, tags: tagsByDigest[revision] ?? [], storage: storage)
                        {
                            artifacts.append(artifact)
                        }
                    }
                    artifacts.sort {
                        ($0.pushedAt ?? .distantPast, $0.digest) > ($1.pushedAt ?? .distantPast, $1.digest)
                    }
                    repositories.append(APIRepository(name: name, artifacts: artifacts))
                }
                return try .json(repositories)
            },
            AdminOperation(
                .delete, "/api/v1/projects/{project}/artifacts/{digest}", id: "deleteArtifact", tag: "repositories",
                summary: "Delete an artifact.",
                details:
                    "Deletes a manifest and the tags pointing at it from a repository, as DELETE /v2/<name>/manifests/<digest> does; refused (412) while an immutable tag points at it. gc frees the blobs.",
                access: .project(.maintainer),
                query: [
                    QueryParameter("repository", "Repository within the project (app for project/app).", required: true)
                ],
                status: .noContent, response: .none, responseDescription: "Deleted."
            ) { call in
                let project = try call.path("project")
                guard let given = call.query("repository") else {
                    throw AdminAPIError(.badRequest, .invalid, "the repository query parameter is required")
                }
                let repository = try AdminAPI.repositoryName(given, project: project)
                let digest = try AdminAPI.digest(try call.path("digest"))
                guard call.services.configuration.deleteEnabled else {
                    throw AdminAPIError(.conflict, .unsupported, "deletes are disabled")
                }
                let storage = call.services.storage
                guard try await storage.manifest(repository, digest: digest) != nil else {
                    throw AdminAPIError(.notFound, .notFound, "no manifest \(digest) in \(repository)")
                }
                let policy = call.services.policy
                do {
                    let rules = try await policy.pushRules(repository: repository)
                    _ = try await storage.lock.withLock(exclusive: false, serialising: rules.lock) { [storage] in
                        try await policy.checkDelete(
                            repository: repository, digest: digest, storage: storage, rules: rules)
                        return try await storage.deleteManifest(repository, digest: digest)
                    }
                } catch let error as RegistryError where error.code == .policyViolation {
                    throw AdminAPIError(error.status, .policyViolation, error.message)
                }
                await call.services.audit.record(
                    action: "delete", identity: call.identity, repository: repository, reference: digest.description,
                    digest: digest, remote: call.context.remoteAddress, decision: "allow", reason: "api")
                return .noContent
            },
        ]
    }

    /// The referrer document of `artifactType` attached to `digest` by the scanner.
    static func referrerDocument(
        repository: String, digest: OCI.Digest, artifactType: String, storage: RegistryStorage
    ) async throws -> Data? {
        for referrer in try await storage.referrers(repository, subject: digest)
        where referrer.artifactType == artifactType {
            guard let (stored, data) = try await storage.manifestContent(repository, digest: referrer.digest),
                let summary = try? ManifestParser.parse(data, contentType: stored.mediaType),
                let layer = summary.layers.first, let content = try await storage.blobContent(layer.digest)
            else { continue }
            return content
        }
        return nil
    }

    /// Scans: readers list records and fetch reports and SBOMs; maintainers ask for scans.
    var scanOperations: [AdminOperation] {
        let repositoryParameter = QueryParameter(
            "repository", "Repository within the project (app for project/app); default: the scan record's.")
        func document(_ id: String, _ name: String, _ artifactType: String, summary: String) -> AdminOperation {
            AdminOperation(
                .get, "/api/v1/projects/{project}/scans/{digest}/\(name)", id: id, tag: "scans", summary: summary,
                details: "\(summary) It is the \(artifactType) referrer the scan attached to the digest.",
                access: .projectRead, query: [repositoryParameter], response: .document(artifactType),
                responseDescription: "The document."
            ) { call in
                let project = try call.path("project")
                let digest = try AdminAPI.digest(try call.path("digest"))
                let storage = call.services.storage
                let record = try await ScanResults(storage: storage).record(digest)
                let repository: String
                if let given = call.query("repository") {
                    repository = try AdminAPI.repositoryName(given, project: project)
                } else if let recorded = record?.repository, PolicyEngine.project(of: recorded) == project {
                    repository = recorded
                } else {
                    throw AdminAPIError(.notFound, .notFound, "\(digest) was not scanned in project '\(project)'")
                }
                guard
                    let data = try await AdminAPI.referrerDocument(
                        repository: repository, digest: digest, artifactType: artifactType, storage: storage)
                else {
                    throw AdminAPIError(.notFound, .notFound, "no \(name) of \(digest) in \(repository)")
                }
                return AdminReply(status: .ok, body: data, contentType: artifactType)
            }
        }
        return [
            AdminOperation(
                .get, "/api/v1/projects/{project}/scans", id: "listScans", tag: "scans",
                summary: "List scan records.",
                details:
                    "The latest scan record of each image manifest of the project, of one repository or one digest.",
                access: .projectRead,
                query: [
                    QueryParameter("repository", "Repository within the project (app for project/app)."),
                    QueryParameter("digest", "One manifest.", schema: Schema.digest),
                ], response: .list(APIScan.self), responseDescription: "Scan records by repository and digest."
            ) { call in
                let project = try call.path("project")
                let repository = try call.query("repository").map { try AdminAPI.repositoryName($0, project: project) }
                let digest = try call.query("digest").map { try AdminAPI.digest($0) }
                let storage = call.services.storage
                let results = ScanResults(storage: storage)
                var scans: [APIScan] = []
                for name in try await storage.repositories().sorted()
                where PolicyEngine.project(of: name) == project && (repository == nil || repository == name) {
                    for revision in try await storage.revisions(name).sorted(by: { $0.description < $1.description })
                    where digest == nil || digest == revision {
                        if let record = try await results.record(revision) {
                            var scan = APIScan(record)
                            scan.repository = name
                            scans.append(scan)
                        }
                    }
                }
                return try .json(scans)
            },
            AdminOperation(
                .post, "/api/v1/projects/{project}/scans", id: "requestScan", tag: "scans",
                summary: "Scan images now.",
                details:
                    "Queues scans of the project's images (one repository, or one digest): without force only those with no current record. 409 when scanning is not configured.",
                access: .project(.maintainer), request: APIScanRequest.self, status: .accepted,
                response: .model(APIScanQueued.self), responseDescription: "How many images were queued."
            ) { call in
                let project = try call.path("project")
                let body = try await call.body(APIScanRequest.self)
                guard let scans = call.services.scans else {
                    throw AdminAPIError(.conflict, .unsupported, "scanning is not configured (scanning.database)")
                }
                let repository = try body.repository.map { try AdminAPI.repositoryName($0, project: project) }
                let digest = try body.digest.map { try AdminAPI.digest($0) }
                let version = scans.databaseVersion
                let force = body.force ?? false
                var queued = 0
                for name in try await call.services.storage.repositories()
                where PolicyEngine.project(of: name) == project && (repository == nil || repository == name) {
                    queued += try await scans.rescan(repository: name, digest: digest) { record in
                        force || record == nil || record?.status == .failed || record?.databaseVersion != version
                    }
                }
                await call.audit(
                    "scan.request", subject: body.digest ?? repository,
                    detail: "queued=\(queued)\(force ? " force" : "")")
                return try .json(APIScanQueued(queued: queued), status: .accepted)
            },
            document(
                "getVulnerabilityReport", "report", ImageScanner.reportArtifactType,
                summary: "Get the vulnerability report of a digest."),
            document("getSBOM", "sbom", ImageScanner.sbomArtifactType, summary: "Get the CycloneDX SBOM of a digest."),
        ]
    }
}
