import Foundation

extension AdminAPI {
    /// Users: system administrators list, create and delete them.
    var userOperations: [AdminOperation] {
        [
            AdminOperation(
                .get, "/api/v1/users", id: "listUsers", tag: "users", summary: "List users.", access: .systemAdmin,
                response: .list(APIUser.self), responseDescription: "Users by name."
            ) { call in
                try .json(
                    call.state.users.sorted { $0.key < $1.key }.map { APIUser(name: $0.key, admin: $0.value.admin) })
            },
            AdminOperation(
                .post, "/api/v1/users", id: "createUser", tag: "users", summary: "Create a user.",
                details: "Creates a user with a bcrypt-hashed password; 409 when the name is taken.",
                access: .systemAdmin, request: APIUserCreate.self, status: .created, response: .model(APIUser.self),
                responseDescription: "The user created."
            ) { call in
                let body = try await call.body(APIUserCreate.self)
                let admin = RegistryAdmin(store: call.services.security)
                let isAdmin = body.admin ?? false
                try await admin.addUser(body.name, password: body.password, admin: isAdmin, replace: false)
                await call.audit("user.create", subject: body.name, detail: isAdmin ? "admin" : nil)
                return try .json(APIUser(name: body.name, admin: isAdmin), status: .created)
            },
            AdminOperation(
                .delete, "/api/v1/users/{user}", id: "deleteUser", tag: "users", summary: "Delete a user.",
                details: "Deletes a user and its memberships; callers cannot delete themselves.",
                access: .systemAdmin, status: .noContent, response: .none, responseDescription: "Deleted."
            ) { call in
                let name = try call.path("user")
                if call.identity == .user(name) {
                    throw AdminAPIError(.conflict, .conflict, "a user cannot delete itself")
                }
                try await RegistryAdmin(store: call.services.security).removeUser(name)
                await call.audit("user.delete", subject: name)
                return .noContent
            },
        ]
    }
}
