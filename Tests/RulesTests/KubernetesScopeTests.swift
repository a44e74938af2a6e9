import BerthCore
import Kubernetes
import Testing

@testable import Rules

/// What a set of files can settle: references into namespaces it lacks, copies of one object in
/// several files, and objects in files that could not be read.
@Suite struct KubernetesScopeTests {
    static func check(_ files: [(String, String)], rules: [any KubernetesRule] = BuiltInRules.kubernetes)
        -> KubernetesReport
    {
        KubernetesChecker(rules: rules).check(
            inputs: files.map { ($0.0, Array($0.1.utf8)) }, configuration: CheckConfiguration())
    }

    static func findings(_ report: KubernetesReport, _ rule: String) -> [Finding] {
        report.reports.flatMap(\.findings).filter { $0.rule == rule }
    }

    static let service = """
        apiVersion: v1
        kind: Service
        metadata:
          name: etcd
        spec:
          selector: {name: etcd}
          ports:
            - port: 2379
        """

    static let brokenController = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: etcd
        spec:
          selector:
            matchLabels: {name: etcd}
          selector:
            matchLabels: {name: etcd}
        """

    static let otherWorkload = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: tool
          labels: {app: tool}
        spec:
          containers:
            - name: tool
              image: registry.example.com/tool:1.0
        """

    @Test func aFileThatCannotBeReadKeepsItsDirectorysReferencesUnjudged() {
        let beside = Self.check([
            ("etcd/service.yaml", Self.service), ("etcd/controller.yaml", Self.brokenController),
            ("tool/pod.yaml", Self.otherWorkload),
        ])
        #expect(beside.reports.contains { $0.file == "etcd/controller.yaml" && $0.error != nil })
        #expect(Self.findings(beside, "kubernetes-service-selector-unmatched").isEmpty)

        let elsewhere = Self.check([
            ("etcd/service.yaml", Self.service), ("broken/controller.yaml", Self.brokenController),
            ("tool/pod.yaml", Self.otherWorkload),
        ])
        #expect(Self.findings(elsewhere, "kubernetes-service-selector-unmatched").count == 1)
    }

    static func server(_ claim: String) -> String {
        """
        apiVersion: v1
        kind: ReplicationController
        metadata:
          name: server
        spec:
          replicas: 1
          selector: {role: server}
          template:
            metadata:
              labels: {role: server}
            spec:
              containers:
                - name: server
                  image: registry.example.com/nginx:1.27
                  volumeMounts:
                    - {name: data, mountPath: /data}
              volumes:
                - name: data
                  persistentVolumeClaim: {claimName: \(claim)}
        """
    }

    static let claim = """
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata:
          name: claim1
        spec:
          accessModes: [ReadWriteOnce]
          resources:
            requests: {storage: 1Gi}
        """

    @Test func copiesInSeveralFilesAreSaidOnceAndJudgedApart() throws {
        let report = Self.check([
            ("provisioning/claim1.yaml", Self.claim), ("provisioning/cinder/pod.yaml", Self.server("claim1")),
            ("provisioning/quobyte/pod.yaml", Self.server("claim1")),
            ("provisioning/rbd/pod.yaml", Self.server("claim1")),
        ])
        #expect(Self.findings(report, "kubernetes-single-writer-claim-shared").isEmpty)
        let duplicated = Self.findings(report, "kubernetes-object-duplicated")
        #expect(duplicated.count == 1)
        let note = try #require(duplicated.first)
        #expect(note.location.file == "provisioning/cinder/pod.yaml")
        #expect(note.message.contains("provisioning/quobyte/pod.yaml, provisioning/rbd/pod.yaml"))
        #expect(note.severity == .info)
    }

    @Test func aMessageCitingAnotherFilesObjectNamesTheFile() throws {
        let other = Self.server("claim1").replacingOccurrences(of: "name: server\n", with: "name: backup\n")
        let report = Self.check([
            ("app/claim1.yaml", Self.claim + "\n---\n" + Self.server("claim1")), ("backup/rc.yaml", other),
        ])
        let finding = try #require(Self.findings(report, "kubernetes-single-writer-claim-shared").first)
        #expect(finding.message.contains("ReplicationController/server, ReplicationController/backup (backup/rc.yaml)"))
    }

    @Test func theNearestCopyIsTheOneMeant() throws {
        let parser = ManifestParser()
        let a = try parser.parse(bytes: Array(Self.claim.utf8), file: "x/a/claim.yaml").objects
        let b = try parser.parse(bytes: Array(Self.claim.utf8), file: "x/b/claim.yaml").objects
        let pod = try parser.parse(bytes: Array(Self.server("claim1").utf8), file: "x/b/deep/pod.yaml").objects
        let scope = KubernetesScope(ManifestSet(a + b + pod))
        let meant = scope.nearest(a + b, to: pod[0])
        #expect(meant.map(\.file) == ["x/b/claim.yaml"])
        #expect(scope.isDuplicated(a[0]) && !scope.isDuplicated(pod[0]))
    }

    @Test(
        arguments: [
            ("km", "km", nil), ("km.apim", "km", "apim"), ("km.apim.svc", "km", "apim"),
            ("mysql.db.svc.cluster.local", "mysql", "db"), ("pod-0.mysql.db.svc.cluster.local", "mysql", "db"),
            ("analytics.example.com", nil, nil), ("cache.internal", nil, nil), ("localhost", nil, nil),
            ("10.0.0.1", nil, nil), ("km.svc.example.com", nil, nil),
        ] as [(String, String?, String?)])
    func hostsNameAServiceAndNamespace(_ host: String, _ name: String?, _ namespace: String?) {
        let service = References.clusterService(host)
        #expect(service?.name == name)
        #expect(service?.namespace == namespace)
    }
}
