import Foundation
import Sign

extension AdminAPI {
    /// The project's record in the security state, created from its effective settings (those of
    /// `registry.yaml` for a project defined there only) when it has none yet.
    func materialize(_ project: String, in state: inout SecurityState) -> ProjectRecord {
        if let record = state.projects[project] { return record }
        let record = services.policy.project(project, state: state)
        state.projects[project] = record
        return record
    }

    /// Whether the project holds a repository.
    func hasRepositories(_ project: String) async throws -> Bool {
        try await services.storage.repositories().contains { PolicyEngine.project(of: $0) == project }
    }

    /// Projects: everybody lists those visible to them; system administrators create and delete;
    /// project admins change visibility.
    var projectOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects", id: "listProjects", tag: "projects", summary: "List visible projects.",
                details:
                    "Projects the caller may see: all for system administrators, else public ones and those the caller is a member (or robot) of.",
                access: .visible, response: .list(APIProject.self), responseDescription: "Projects by name."
            ) { call in
                let names = Set(call.state.projects.keys).union(call.services.configuration.projects.keys)
                var projects: [APIProject] = []
                for name in names.sorted() {
                    let record = call.services.policy.project(name, state: call.state)
                    let role = Self.role(of: call.identity, in: name, record: record, state: call.state)
                    guard role != nil || record.public else { continue }
                    projects.append(
                        APIProject(
                            name: name, public: record.public, role: role,
                            configured: call.state.projects[name] == nil ? true : nil))
                }
                return try .json(projects)
            },
            AdminOperation(
                .post, "/api/v1/projects", id: "createProject", tag: "projects", summary: "Create a project.",
                details: "Creates a project, private unless public is true; 409 when it exists.",
                access: .systemAdmin, request: APIProjectCreate.self, status: .created,
                response: .model(APIProject.self), responseDescription: "The project created."
            ) { call in
                let body = try await call.body(APIProjectCreate.self)
                try RegistryAdmin.validateProject(body.name)
                // Checked and created under the state's update, so two creations cannot both succeed.
                try await call.services.security.update { state in
                    if call.api.projectExists(body.name, state: state) {
                        throw AdminAPIError(.conflict, .conflict, "project '\(body.name)' exists")
                    }
                    var record = ProjectRecord()
                    record.public = body.public ?? false
                    state.projects[body.name] = record
                }
                await call.audit(
                    "project.create", project: body.name, detail: body.public == true ? "public" : "private")
                return try .json(
                    APIProject(name: body.name, public: body.public ?? false, role: .admin), status: .created)
            },
            AdminOperation(
                .get, "/api/v1/projects/{project}", id: "getProject", tag: "projects",
                summary: "Get a project.", details: "A project's visibility, the caller's role and its storage use.",
                access: .projectRead, response: .model(APIProjectDetail.self), responseDescription: "The project."
            ) { call in
                let name = try call.path("project")
                let record = call.services.policy.project(name, state: call.state)
                let storage = call.services.storage
                let usedBytes = try await PolicyEngine.usedBytes(project: name, storage: storage)
                let repositories = try await storage.repositories().filter { PolicyEngine.project(of: $0) == name }
                    .count
                return try .json(
                    APIProjectDetail(
                        name: name, public: record.public, role: call.role, repositories: repositories,
                        usedBytes: usedBytes, quotaBytes: record.quotaBytes))
            },
            AdminOperation(
                .patch, "/api/v1/projects/{project}", id: "updateProject", tag: "projects",
                summary: "Change a project's visibility.", access: .project(.admin), request: APIProjectUpdate.self,
                response: .model(APIProject.self), responseDescription: "The project."
            ) { call in
                let name = try call.path("project")
                let body = try await call.body(APIProjectUpdate.self)
                try await call.services.security.update { state in
                    var record = call.api.materialize(name, in: &state)
                    record.public = body.public
                    state.projects[name] = record
                }
                await call.audit("project.update", detail: body.public ? "public" : "private")
                return try .json(APIProject(name: name, public: body.public, role: call.role))
            },
            AdminOperation(
                .delete, "/api/v1/projects/{project}", id: "deleteProject", tag: "projects",
                summary: "Delete an empty project.",
                details:
                    "Deletes a project with no repositories, and its robot accounts; 409 while it holds repositories or when registry.yaml defines it.",
                access: .systemAdmin, status: .noContent, response: .none, responseDescription: "Deleted."
            ) { call in
                let name = try call.path("project")
                guard call.api.projectExists(name, state: call.state) else { throw AdminAPIError.noProject(name) }
                if call.services.configuration.projects[name] != nil {
                    throw AdminAPIError(
                        .conflict, .conflict, "project '\(name)' is defined in the configuration file; remove it there")
                }
                if try await call.api.hasRepositories(name) {
                    throw AdminAPIError(
                        .conflict, .conflict, "project '\(name)' still holds repositories; delete them first")
                }
                try await call.services.security.update { state in
                    state.projects[name] = nil
                    state.robots = state.robots.filter { $0.value.project != name }
                }
                await call.audit("project.delete")
                return .noContent
            },
        ]
    }

    /// Members: guests and above see them; project admins set and remove roles.
    var memberOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects/{project}/members", id: "listMembers", tag: "members",
                summary: "List a project's members.", access: .project(.guest), response: .list(APIMember.self),
                responseDescription: "Members by user name."
            ) { call in
                let record = call.services.policy.project(try call.path("project"), state: call.state)
                return try .json(
                    record.members.sorted { $0.key < $1.key }.map { APIMember(user: $0.key, role: $0.value) })
            },
            AdminOperation(
                .put, "/api/v1/projects/{project}/members/{user}", id: "setMember", tag: "members",
                summary: "Set a member's role.", details: "Adds the user to the project or changes its role.",
                access: .project(.admin), request: APIMemberUpdate.self, response: .model(APIMember.self),
                responseDescription: "The membership."
            ) { call in
                let project = try call.path("project")
                let user = try call.path("user")
                let body = try await call.body(APIMemberUpdate.self)
                try await call.services.security.update { state in
                    guard state.users[user] != nil else { throw RegistryAdmin.AdminError.unknown("no user '\(user)'") }
                    var record = call.api.materialize(project, in: &state)
                    record.members[user] = body.role
                    state.projects[project] = record
                }
                await call.audit("member.set", subject: user, detail: "role=\(body.role.rawValue)")
                return try .json(APIMember(user: user, role: body.role))
            },
            AdminOperation(
                .delete, "/api/v1/projects/{project}/members/{user}", id: "removeMember", tag: "members",
                summary: "Remove a member.", access: .project(.admin), status: .noContent, response: .none,
                responseDescription: "Removed."
            ) { call in
                let project = try call.path("project")
                let user = try call.path("user")
                try await call.services.security.update { state in
                    guard state.projects[project]?.members[user] != nil else {
                        throw RegistryAdmin.AdminError.unknown("'\(user)' is not a member of '\(project)'")
                    }
                    state.projects[project]?.members[user] = nil
                }
                await call.audit("member.remove", subject: user)
                return .noContent
            },
        ]
    }

    /// Robots: maintainers list them; project admins create and delete them.
    var robotOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects/{project}/robots", id: "listRobots", tag: "robots",
                summary: "List a project's robot accounts.", details: "Robot accounts, never their secrets.",
                access: .project(.maintainer), response: .list(APIRobot.self), responseDescription: "Robots by name."
            ) { call in
                let project = try call.path("project")
                let robots = call.state.robots.filter { $0.value.project == project }.sorted { $0.key < $1.key }
                return try .json(
                    robots.map {
                        APIRobot(name: $0.key, project: project, role: $0.value.role, expires: $0.value.expires)
                    })
            },
            AdminOperation(
                .post, "/api/v1/projects/{project}/robots", id: "createRobot", tag: "robots",
                summary: "Create a robot account.",
                details:
                    "Creates robot$<project>+<name> with a role in this project; the answer holds its secret, shown this once. 409 when it exists.",
                access: .project(.admin), request: APIRobotCreate.self, status: .created,
                response: .model(APIRobotCreated.self), responseDescription: "The robot and its secret."
            ) { call in
                let project = try call.path("project")
                let body = try await call.body(APIRobotCreate.self)
                let role = body.role ?? .developer
                let days = body.expiresInDays ?? 30
                guard days > 0, days <= 3650 else {
                    throw AdminAPIError(.badRequest, .invalid, "expiresInDays must be more than 0 and at most 3650")
                }
                let robot = try await RegistryAdmin(store: call.services.security).addRobot(
                    project: project, name: body.name, role: role, lifetime: days * 86400, replace: false)
                let expires = (try await call.services.security.current()).robots[robot.name]?.expires ?? Date()
                await call.audit("robot.create", subject: robot.name, detail: "role=\(role.rawValue)")
                return try .json(
                    APIRobotCreated(
                        name: robot.name, project: project, role: role, expires: expires, secret: robot.secret),
                    status: .created)
            },
            AdminOperation(
                .delete, "/api/v1/projects/{project}/robots/{robot}", id: "deleteRobot", tag: "robots",
                summary: "Delete a robot account.", access: .project(.admin), status: .noContent, response: .none,
                responseDescription: "Deleted."
            ) { call in
                let project = try call.path("project")
                let given = try call.path("robot")
                let name = given.hasPrefix("robot$") ? given : "robot$\(project)+\(given)"
                try await call.services.security.update { state in
                    guard state.robots[name]?.project == project else {
                        throw RegistryAdmin.AdminError.unknown("no robot '\(name)' in '\(project)'")
                    }
                    state.robots[name] = nil
                }
                await call.audit("robot.delete", subject: name)
                return .noContent
            },
        ]
    }

    /// Policies: guests and above read them; project admins replace them.
    var policyOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/projects/{project}/policy", id: "getPolicy", tag: "policies",
                summary: "Get a project's policies.",
                details:
                    "Immutable tags, quota, signature requirements and the vulnerability policy in effect (the security state's, else registry.yaml's).",
                access: .project(.guest), response: .model(APIPolicy.self), responseDescription: "The policy."
            ) { call in
                let record = call.services.policy.project(try call.path("project"), state: call.state)
                return try .json(APIPolicy(record))
            },
            AdminOperation(
                .put, "/api/v1/projects/{project}/policy", id: "setPolicy", tag: "policies",
                summary: "Replace a project's policies.",
                details:
                    "Replaces every policy of the project (absent keys take their defaults). The vulnerability policy applies from the next pull.",
                access: .project(.admin), request: APIPolicy.self, response: .model(APIPolicy.self),
                responseDescription: "The policy stored."
            ) { call in
                let project = try call.path("project")
                let body = try await call.body(APIPolicy.self)
                if let quota = body.quotaBytes, quota <= 0 {
                    throw AdminAPIError(.badRequest, .invalid, "quotaBytes must be positive, or null for none")
                }
                if body.immutableTags.contains(where: \.isEmpty) {
                    throw AdminAPIError(.badRequest, .invalid, "an immutable-tag pattern is empty")
                }
                try await call.services.security.update { state in _ = call.api.materialize(project, in: &state) }
                try await RegistryAdmin(store: call.services.security).setPolicy(
                    project: project, immutableTags: body.immutableTags, quotaBytes: .some(body.quotaBytes),
                    requireSignature: body.requireSignature, isPublic: nil, signatureKeys: body.signatureKeys,
                    requiredAttestations: body.requiredAttestations, signatureIdentities: body.signatureIdentities,
                    vulnerabilities: .some(body.vulnerabilities))
                let stored = try await call.services.policy.project(project)
                await call.audit(
                    "policy.set",
                    detail: body.vulnerabilities.map { "vulnerabilities.blockSeverity=\($0.blockSeverity)" })
                return try .json(APIPolicy(stored))
            },
        ]
    }
}
