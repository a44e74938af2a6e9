import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import OCI

/// What the visitor may do in one project, from the registry's roles.
struct ProjectAccess {
    var visible: Bool
    var role: Role?
    var systemAdmin: Bool

    /// Guests and up see the members.
    var seesMembers: Bool { systemAdmin || role != nil }
    /// Project admins and system admins see and edit members and policies, and read the audit log.
    var administers: Bool { systemAdmin || role == .admin }
    /// Those who may push may ask for a rescan.
    var rescans: Bool { systemAdmin || (role.map { $0 >= .developer } ?? false) }
}

extension Console {
    var inventory: ConsoleInventory { ConsoleInventory(services: services) }

    func access(_ project: String, _ visit: Visit) -> ProjectAccess {
        let visible = services.policy.isAllowed(
            .pull, repository: project, identity: visit.identity, state: visit.state)
        let record = services.policy.project(project, state: visit.state)
        let role = visit.userName.flatMap { record.members[$0] }
        return ProjectAccess(visible: visible, role: role, systemAdmin: visit.isSystemAdmin)
    }

    /// The project named by `name`, when it exists and the visitor may see it; else 404.
    func visibleProject(_ name: String?, _ visit: Visit) async throws -> (String, ProjectAccess) {
        guard let name, !name.isEmpty, try await inventory.projectNames(state: visit.state).contains(name) else {
            throw ConsoleError(status: .notFound, message: "No such project.")
        }
        let access = access(name, visit)
        guard access.visible else { throw ConsoleError(status: .notFound, message: "No such project.") }
        return (name, access)
    }

    func visibleRepository(_ name: String?, _ visit: Visit) async throws -> (String, String, ProjectAccess) {
        guard let name, RepositoryName.isValid(name), try await services.storage.repositoryExists(name) else {
            throw ConsoleError(status: .notFound, message: "No such repository.")
        }
        let (project, access) = try await visibleProject(PolicyEngine.project(of: name), visit)
        return (name, project, access)
    }

    // MARK: Projects

    func projectsPage(_ visit: inout Visit) async throws -> Response {
        var counts: [String: Int] = [:]
        for repository in try await services.storage.repositories() {
            counts[PolicyEngine.project(of: repository), default: 0] += 1
        }
        let visit = visit
        let rows = try await inventory.projectNames(state: visit.state).compactMap { name -> [String: Any]? in
            let access = access(name, visit)
            guard access.visible else { return nil }
            let record = services.policy.project(name, state: visit.state)
            return [
                "name": name, "urlName": ConsoleInventory.query(name), "public": record.public,
                "repositories": counts[name] ?? 0,
                "role": access.systemAdmin ? "system admin" : access.role?.rawValue ?? "—",
            ]
        }
        return page(
            visit, title: "Projects", template: "projects",
            values: ["projects": rows, "hasProjects": !rows.isEmpty, "signedIn": visit.userName != nil])
    }

    func projectPage(_ visit: inout Visit) async throws -> Response {
        let (name, access) = try await visibleProject(visit.request.uri.queryParameters.get("name"), visit)
        if access.administers || access.rescans { _ = try await ensureSession(&visit) }
        let record = services.policy.project(name, state: visit.state)
        var repositories: [[String: Any]] = []
        for repository in try await inventory.repositories(of: name) {
            repositories.append([
                "name": repository, "urlName": ConsoleInventory.query(repository),
                "tags": try await inventory.imageTags(repository).count,
                "size": ConsoleInventory.bytes(try await inventory.size(of: repository)),
            ])
        }
        var values: [String: Any] = [
            "name": name, "projectName": name, "urlName": ConsoleInventory.query(name), "public": record.public,
            "repositories": repositories, "hasRepositories": !repositories.isEmpty,
            "canSeeMembers": access.seesMembers, "canSeePolicies": access.administers,
            "canEdit": access.administers, "canAudit": access.administers,
        ]
        if access.systemAdmin {
            values["role"] = "system admin"
        } else if let role = access.role {
            values["role"] = role.rawValue
        }
        if access.seesMembers {
            let members = record.members.sorted { $0.key < $1.key }.map { ["user": $0.key, "role": $0.value.rawValue] }
            values["members"] = members
            values["hasMembers"] = !members.isEmpty
        }
        if access.administers {
            values["immutableTags"] = record.immutableTags
            values["immutableTagsText"] = record.immutableTags.joined(separator: ", ")
            values["quota"] = record.quotaBytes.map { "\(ConsoleInventory.bytes($0)) (\($0) bytes)" } ?? "none"
            values["quotaBytes"] = record.quotaBytes.map(String.init) ?? ""
            values["requireSignature"] = record.requireSignature
            values["signatureKeys"] = "\(record.signatureKeys?.count ?? 0)"
            values["identities"] = (record.signatureIdentities ?? []).map {
                $0.identity + ($0.issuer.map { " (\($0))" } ?? "")
            }
            values["attestations"] = record.requiredAttestations ?? []
            if let settings = services.configuration.projects[name]?.vulnerabilities {
                values["vulnerabilityPolicy"] =
                    "pulls of images with findings at or above \(settings.blockSeverity) are refused; "
                    + "images not yet scanned are \(settings.unscanned == "block" ? "refused" : "allowed")"
                values["allowlist"] = (settings.allowlist ?? []).map {
                    ["id": $0.id, "reason": $0.reason, "expires": $0.expires ?? "no expiry"]
                }
            } else {
                values["vulnerabilityPolicy"] = "none (findings do not block pulls)"
            }
        }
        let notice = visit.request.uri.queryParameters.get("saved").map { _ in "Saved." }
        return page(visit, title: name, template: "project", values: values, notice: notice)
    }

    /// The project a form names, when the visitor administers it; else 403 (404 when hidden).
    func administeredProject(_ fields: [String: String], _ visit: Visit) async throws -> String {
        let (name, access) = try await visibleProject(fields["project"], visit)
        guard access.administers else {
            throw ConsoleError(status: .forbidden, message: "Only the project's admins may change it.")
        }
        return name
    }

    /// Writes the project's effective settings into the state file when only `registry.yaml`
    /// has them, so that a change made here keeps the rest.
    func adopt(_ project: String) async throws {
        let effective = try await services.policy.project(project)
        try await services.security.update { state in
            if state.projects[project] == nil { state.projects[project] = effective }
        }
    }

    func setMember(_ visit: inout Visit) async throws -> Response {
        let (_, fields) = try await form(visit)
        let project = try await administeredProject(fields, visit)
        let user = fields["user"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let roleName = fields["role"] ?? ""
        let role = Role(rawValue: roleName)
        guard role != nil || roleName == "none" else {
            throw ConsoleError(status: .badRequest, message: "Unknown role.")
        }
        guard visit.state.users[user] != nil || (role == nil && !user.isEmpty) else {
            throw ConsoleError(status: .badRequest, message: "No user with that name.")
        }
        try await adopt(project)
        do {
            try await RegistryAdmin(store: services.security).setMember(project: project, user: user, role: role)
        } catch let error as RegistryAdmin.AdminError {
            throw ConsoleError(status: .badRequest, message: error.description)
        }
        await services.audit.record(
            action: role == nil ? "member-remove" : "member-set", identity: visit.identity, repository: project,
            reference: role.map { "\(user)=\($0.rawValue)" } ?? user, digest: nil, remote: nil, decision: "allow")
        return redirect("/console/project?name=\(ConsoleInventory.query(project))&saved=1")
    }

    func setPolicy(_ visit: inout Visit) async throws -> Response {
        let (_, fields) = try await form(visit)
        let project = try await administeredProject(fields, visit)
        let patterns = (fields["immutableTags"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }.filter { !$0.isEmpty }
        let quotaText = (fields["quotaBytes"] ?? "").trimmingCharacters(in: .whitespaces)
        var quota: Int64?
        if !quotaText.isEmpty {
            guard let value = Int64(quotaText), value > 0 else {
                throw ConsoleError(status: .badRequest, message: "The quota must be a positive number of bytes.")
            }
            quota = value
        }
        try await adopt(project)
        do {
            try await RegistryAdmin(store: services.security).setPolicy(
                project: project, immutableTags: patterns, quotaBytes: .some(quota),
                requireSignature: fields["requireSignature"] == "on", isPublic: fields["public"] == "on")
        } catch let error as RegistryAdmin.AdminError {
            throw ConsoleError(status: .badRequest, message: error.description)
        }
        await services.audit.record(
            action: "policy-set", identity: visit.identity, repository: project, reference: nil, digest: nil,
            remote: nil, decision: "allow")
        return redirect("/console/project?name=\(ConsoleInventory.query(project))&saved=1")
    }

    // MARK: Repositories and artifacts

    func repositoryPage(_ visit: inout Visit) async throws -> Response {
        let (name, project, _) = try await visibleRepository(visit.request.uri.queryParameters.get("name"), visit)
        let record = services.policy.project(project, state: visit.state)
        var rows: [[String: Any]] = []
        for (manifest, tags) in try await inventory.images(name) {
            let (signature, _) = try await inventory.signature(name, manifest.digest, project: record)
            rows.append([
                "tags": tags, "digest": manifest.digest.description,
                "shortDigest": ConsoleInventory.short(manifest.digest),
                "urlRepository": ConsoleInventory.query(name),
                "size": ConsoleInventory.bytes(try await inventory.imageSize(name, manifest)),
                "pushed": ConsoleInventory.time(try await inventory.pushed(name, manifest.digest)),
                "signature": signature.rawValue, "signatureClass": signature.cssClass,
                "scan": ConsoleInventory.summary(try await inventory.scanRecords(name, manifest)),
            ])
        }
        return page(
            visit, title: name, template: "repository",
            values: [
                "name": name, "project": project, "urlProject": ConsoleInventory.query(project), "artifacts": rows,
                "hasArtifacts": !rows.isEmpty,
            ])
    }

    func artifactManifest(_ visit: Visit) async throws -> (String, String, ProjectAccess, ConsoleInventory.Manifest) {
        let (name, project, access) = try await visibleRepository(
            visit.request.uri.queryParameters.get("repository"), visit)
        guard let text = visit.request.uri.queryParameters.get("digest"), let digest = try? OCIDigest(parsing: text),
            let manifest = try await inventory.manifest(name, digest)
        else { throw ConsoleError(status: .notFound, message: "No such manifest in \(name).") }
        return (name, project, access, manifest)
    }

    func artifactPage(_ visit: inout Visit) async throws -> Response {
        let (name, project, access, manifest) = try await artifactManifest(visit)
        if access.rescans { _ = try await ensureSession(&visit) }
        let record = services.policy.project(project, state: visit.state)
        let (signature, notes) = try await inventory.signature(name, manifest.digest, project: record)
        var tags: [String] = []
        for tag in try await inventory.imageTags(name)
        where try await services.storage.resolveTag(name, tag) == manifest.digest {
            tags.append(tag)
        }
        let records = try await inventory.scanRecords(name, manifest)
        let imageSize = try await inventory.imageSize(name, manifest)
        let pushed = try await inventory.pushed(name, manifest.digest)
        var values: [String: Any] = [
            "repository": name, "urlRepository": ConsoleInventory.query(name), "project": project,
            "urlProject": ConsoleInventory.query(project), "digest": manifest.digest.description,
            "mediaType": manifest.summary.mediaType, "tags": tags, "hasTags": !tags.isEmpty,
            "size": "\(ConsoleInventory.bytes(imageSize))",
            "pushed": ConsoleInventory.time(pushed),
            "signature": signature.rawValue, "signatureClass": signature.cssClass, "signatureNotes": notes,
            "scan": ConsoleInventory.summary(records),
            "canRescan": access.rescans && services.scans != nil && !manifest.isAttachment,
        ]
        let completed = records.compactMap { $0 }
        if let failed = completed.first(where: { $0.status == .failed }) {
            values["scanDetail"] =
                "failed \(ConsoleInventory.time(failed.scannedAt)): \(failed.error ?? "unknown error")"
        } else if !completed.isEmpty {
            let latest = completed.map(\.scannedAt).max() ?? Date()
            let packages = completed.reduce(0) { $0 + $1.packages }
            let versions = Set(completed.compactMap(\.databaseVersion)).sorted()
            values["scanDetail"] =
                "\(ConsoleInventory.time(latest)), \(packages) package\(packages == 1 ? "" : "s") catalogued, "
                + "database \(versions.joined(separator: ", ").prefix(24))"
        }
        if manifest.isIndex {
            let platforms = Self.platforms(manifest.data)
            var rows: [[String: Any]] = []
            for (index, child) in manifest.summary.manifests.enumerated() {
                var size = child.size
                if let stored = try await inventory.manifest(name, child.digest) {
                    size = try await inventory.imageSize(name, stored)
                }
                rows.append([
                    "platform": index < platforms.count ? platforms[index] : "unknown",
                    "digest": child.digest.description, "shortDigest": ConsoleInventory.short(child.digest),
                    "size": ConsoleInventory.bytes(size),
                ])
            }
            values["platforms"] = rows
            values["hasPlatforms"] = !rows.isEmpty
        } else {
            if let config = manifest.summary.config, config.size <= 4 << 20,
                try await services.storage.repositoryHasBlob(name, config.digest),
                let data = try await services.storage.blobContent(config.digest),
                let platform = Self.platform((try? JSONSerialization.jsonObject(with: data)) as? [String: Any])
            {
                values["platform"] = platform
            }
            let layers = manifest.summary.layers.enumerated().map { index, layer -> [String: Any] in
                [
                    "number": index + 1, "digest": layer.digest.description, "mediaType": layer.mediaType,
                    "size": "\(layer.size) B",
                ]
            }
            values["layers"] = layers
            values["hasLayers"] = !layers.isEmpty
        }
        let findings = completed.flatMap(\.findings).sorted { $0.severity > $1.severity }
        values["findings"] = findings.map { finding -> [String: Any] in
            [
                "id": finding.id, "aliases": finding.aliases, "severity": finding.severity.rawValue,
                "package": finding.package, "installed": finding.installedVersion,
                "fixed": finding.fixedVersion ?? "no fix yet",
            ]
        }
        values["hasFindings"] = !findings.isEmpty
        if let sbom = try await sbomReferrer(name, manifest) { values["sbom"] = sbom.description }
        let notice = visit.request.uri.queryParameters.get("rescan").map { _ in "Rescan queued." }
        return page(
            visit, title: "\(name)@\(ConsoleInventory.short(manifest.digest))", template: "artifact",
            values: values, notice: notice)
    }

    /// The CycloneDX SBOM referrer of an image (for an index, of its first platform that has one).
    func sbomReferrer(_ repository: String, _ manifest: ConsoleInventory.Manifest) async throws -> OCIDigest? {
        let subjects = manifest.isIndex ? manifest.summary.manifests.map(\.digest) : [manifest.digest]
        for subject in subjects {
            if let referrer = try await services.storage.referrers(repository, subject: subject).first(where: {
                $0.artifactType == ImageScanner.sbomArtifactType
            }) {
                return referrer.digest
            }
        }
        return nil
    }

    /// Platforms of an index's entries, in order.
    static func platforms(_ data: Data) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let manifests = object["manifests"] as? [[String: Any]]
        else { return [] }
        return manifests.map { platform($0["platform"] as? [String: Any]) ?? "unknown" }
    }

    /// `linux/amd64/v8` from an image config or an index entry's platform.
    static func platform(_ object: [String: Any]?) -> String? {
        guard let object, let os = object["os"] as? String, let architecture = object["architecture"] as? String
        else { return nil }
        return [os, architecture, object["variant"] as? String].compactMap { $0 }.joined(separator: "/")
    }

    /// `GET /console/sbom`: the SBOM referrer's CycloneDX document, as a download.
    func sbom(_ visit: inout Visit) async throws -> Response {
        let (name, _, _, manifest) = try await artifactManifest(visit)
        guard manifest.summary.artifactType == ImageScanner.sbomArtifactType,
            let layer = manifest.summary.layers.first, try await services.storage.repositoryHasBlob(name, layer.digest),
            let data = try await services.storage.blobContent(layer.digest)
        else { throw ConsoleError(status: .notFound, message: "No SBOM with that digest.") }
        let file = name.replacingOccurrences(of: "/", with: "_") + "-sbom.cdx.json"
        return Response(
            status: .ok,
            headers: [
                .contentType: "application/vnd.cyclonedx+json", .contentDisposition: "attachment; filename=\"\(file)\"",
                .cacheControl: "no-store",
            ],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// `POST /console/rescan`: queues a scan of an image (each platform of an index).
    func rescan(_ visit: inout Visit) async throws -> Response {
        let (_, fields) = try await form(visit)
        let (name, _, access) = try await visibleRepository(fields["repository"], visit)
        guard access.rescans else {
            throw ConsoleError(status: .forbidden, message: "Only those who may push may ask for a rescan.")
        }
        guard let scans = services.scans else {
            throw ConsoleError(status: .conflict, message: "Scanning is not configured on this registry.")
        }
        guard let text = fields["digest"], let digest = try? OCIDigest(parsing: text),
            try await services.storage.manifest(name, digest: digest) != nil
        else { throw ConsoleError(status: .notFound, message: "No such manifest in \(name).") }
        await scans.enqueue(repository: name, digest: digest)
        await services.audit.record(
            action: "rescan", identity: visit.identity, repository: name, reference: nil, digest: digest, remote: nil,
            decision: "allow")
        return redirect(
            "/console/artifact?repository=\(ConsoleInventory.query(name))&digest=\(ConsoleInventory.query(text))&rescan=1"
        )
    }

    // MARK: Audit log

    static let auditPageSize = 50

    /// `GET /console/audit[?project=P][&page=N]`: newest first; all of it for system admins, one
    /// project's events for its admins.
    func auditPage(_ visit: inout Visit) async throws -> Response {
        let query = visit.request.uri.queryParameters
        let project = query.get("project").flatMap { $0.isEmpty ? nil : $0 }
        if let project {
            let (_, access) = try await visibleProject(project, visit)
            guard access.administers else {
                throw ConsoleError(status: .forbidden, message: "Only the project's admins may read its audit log.")
            }
        } else if !visit.isSystemAdmin {
            throw ConsoleError(
                status: visit.userName == nil ? .unauthorized : .forbidden,
                message: "Only system administrators may read the whole audit log.")
        }
        var auditQuery = AuditQuery(project: project, pageSize: Self.auditPageSize)
        auditQuery.page = max(1, query.get("page").flatMap { Int($0) } ?? 1)
        var (total, entries) = try await services.audit.events(auditQuery)
        let pages = max(1, (total + Self.auditPageSize - 1) / Self.auditPageSize)
        if auditQuery.page > pages {
            auditQuery.page = pages
            (total, entries) = try await services.audit.events(auditQuery)
        }
        let number = auditQuery.page
        let rows = entries.map { entry -> [String: Any] in
            var row: [String: Any] = [
                "time": String(entry.time.replacingOccurrences(of: "T", with: " ").prefix(19)) + " UTC",
                "action": entry.action, "user": entry.user.isEmpty ? "anonymous" : entry.user,
                "repository": entry.repository ?? "", "reference": entry.reference ?? entry.digest ?? "",
                "decision": entry.decision ?? "",
            ]
            if let reason = entry.reason { row["reason"] = reason }
            return row
        }
        let base = "/console/audit?" + (project.map { "project=\(ConsoleInventory.query($0))&" } ?? "") + "page="
        var values: [String: Any] = [
            "entries": rows, "hasEntries": !rows.isEmpty, "page": number, "pages": pages, "total": total,
        ]
        if let project { values["project"] = project }
        if number > 1 { values["previous"] = base + "\(number - 1)" }
        if number < pages { values["next"] = base + "\(number + 1)" }
        return page(visit, title: "Audit log", template: "audit", values: values)
    }
}
