import BerthCore
import Foundation
import Kubernetes

/// The embedded H2 database configured for a deployment.
public struct EmbeddedDatabaseRule: KubernetesRule {
    public static let description = RuleDescription(
        id: "kubernetes-embedded-database", practice: .productionRDBMS, severity: .error, target: .kubernetes,
        summary: "a deployment is configured with the embedded H2 database",
        rationale: """
            The practice "A production grade RDBMS" (production-rdbms): H2 keeps its files inside the \
            pod, so each replica has its own registry and user store, and everything is lost when the \
            pod is rescheduled. WSO2 products default to H2 until a JDBC URL for MySQL, PostgreSQL, \
            Oracle or SQL Server is configured.
            """,
        fix: "Point the datasources at an external RDBMS (jdbc:mysql://, jdbc:postgresql://, ...).",
        triggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: apim-conf
                data:
                  deployment.toml: |
                    [database.apim_db]
                    type = "h2"
                ↓    url = "jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"
                ---
                apiVersion: v1
                kind: Pod
                metadata:
                  name: tool
                spec:
                  containers:
                    - name: tool
                      image: registry.example.com/tool:1.0
                      env:
                        - name: JDBC_URL
                ↓          value: jdbc:h2:mem:test
                """)
        ],
        nonTriggering: [
            RuleExample(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: apim-conf
                data:
                  deployment.toml: |
                    [database.apim_db]
                    type = "postgre"
                    url = "jdbc:postgresql://db.example.com:5432/apim_db"
                """)
        ])

    public init() {}

    static func mentionsH2(_ text: String) -> Bool { text.lowercased().contains("jdbc:h2:") }

    public func check(_ context: KubernetesContext) -> [KubernetesFinding] {
        var out: [KubernetesFinding] = []
        for line in KubernetesScan.configMapLines(context.set) where Self.mentionsH2(line.text) {
            let trimmed = line.text.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("#") || trimmed.hasPrefix("<!--") { continue }
            out.append(
                context.finding(
                    Self.description, line.object, at: line.reportNode,
                    message: "'\(line.key)' in \(line.object.displayName) uses the embedded H2 database"))
        }
        for (object, pod) in context.pods {
            for container in pod.allContainers {
                for variable in container.env {
                    guard let value = variable.value, Self.mentionsH2(value) else { continue }
                    out.append(
                        context.finding(
                            Self.description, object, at: variable.valueNode,
                            message:
                                "env \(variable.name) of container '\(container.name)' uses the embedded H2 database",
                            container: container.name))
                }
            }
        }
        return out
    }
}
