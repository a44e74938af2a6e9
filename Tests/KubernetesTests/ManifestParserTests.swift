import BerthCore
import Foundation
import Testing

@testable import Kubernetes

@Suite struct ManifestParserTests {
    let parser = ManifestParser()

    func parse(_ text: String, file: String = "m.yaml") throws -> ParsedManifest {
        try parser.parse(bytes: Array(text.utf8), file: file)
    }

    func error(_ text: String) -> String? {
        do {
            _ = try parse(text)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func multiDocumentStreamKeepsEveryFieldPosition() throws {
        let manifest = try parse(
            """
            # leading comment
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: data
            spec:
              accessModes:
                - ReadWriteOnce
            ---
            ---
            apiVersion: v1
            kind: Service
            metadata: {name: web, namespace: shop}
            spec:
              selector: {app: web}
            """)
        #expect(manifest.objects.map(\.kind) == ["PersistentVolumeClaim", "Service"])
        let claim = manifest.objects[0]
        let modes = try #require(claim.root.at("spec", "accessModes"))
        #expect(modes.keyLine == 7 && modes.keyColumn == 3)
        #expect(modes.line == 8)
        #expect(modes.items.first?.line == 8 && modes.items.first?.column == 7)
        let service = manifest.objects[1]
        #expect(service.namespace == "shop" && service.name == "web")
        #expect(service.root.at("spec", "selector")?.keyLine == 15)
        #expect(service.document == 2)
    }

    @Test func listKindsAreFlattened() throws {
        let manifest = try parse(
            """
            apiVersion: v1
            kind: List
            items:
              - apiVersion: v1
                kind: ConfigMap
                metadata: {name: a}
              - apiVersion: v1
                kind: Secret
                metadata: {name: b}
            """)
        #expect(manifest.objects.map(\.kind) == ["ConfigMap", "Secret"])
        #expect(manifest.objects[1].root.line == 7)
    }

    @Test func jsonManifestsHavePositions() throws {
        let manifest = try parse(
            """
            {
            \t"apiVersion": "apps/v1",
            \t"kind": "Deployment",
            \t"metadata": {"name": "api"},
            \t"spec": {
            \t\t"replicas": 3,
            \t\t"selector": {"matchLabels": {"app": "api"}},
            \t\t"template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "x:1"}]}}
            \t}
            }
            """, file: "d.json")
        let object = try #require(manifest.objects.first)
        #expect(object.pod?.replicas == 3)
        #expect(object.pod?.replicasNode?.keyLine == 6)
        #expect(object.pod?.containers.first?.imageNode?.keyLine == 8)
    }

    @Test func nonKubernetesDocumentsAreCounted() throws {
        let chart = try parse("apiVersion: v2\nname: apim\nversion: 4.5.0\n", file: "Chart.yaml")
        #expect(!chart.isKubernetes && chart.otherDocuments == 1)
        let values = try parse("replicaCount: 2\nimage: {tag: latest}\n", file: "values.yaml")
        #expect(!values.isKubernetes && values.otherDocuments == 1)
    }

    @Test func invalidYAMLNamesTheLine() {
        let message = error("apiVersion: v1\nkind: Pod\nmetadata:\n  name: [unclosed\n")
        #expect(message?.hasPrefix("m.yaml:") == true)
        #expect(message?.contains("invalid YAML") == true)
        let tab = error("apiVersion: v1\nkind: Pod\nmetadata:\n\tname: x\n")
        #expect(tab?.hasPrefix("m.yaml:4:") == true, "\(tab ?? "")")
    }

    @Test func scalarWhereAMappingBelongs() {
        #expect(
            error("apiVersion: v1\nkind: Pod\nmetadata: web\n")
                == "m.yaml:3: 'metadata' must be a mapping, found a scalar")
        #expect(
            error("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: a}\nspec:\n  template: 3\n")
                == "m.yaml:5: 'spec.template' must be a mapping, found a scalar")
        #expect(
            error("apiVersion: v1\nkind: Pod\nspec:\n  containers: nginx\n")
                == "m.yaml:4: 'containers' must be a list, found a scalar")
        #expect(
            error("apiVersion: v1\nkind: Pod\nspec:\n  containers:\n    - nginx\n")
                == "m.yaml:5: a container must be a mapping, found a scalar")
        #expect(
            error("just a string\n")
                == "m.yaml:1: expected a Kubernetes object (a mapping) at the top of the document, found a scalar")
        #expect(
            error("apiVersion: v1\nkind: Service\nspec:\n  selector: [a]\n")
                == "m.yaml:4: 'spec.selector' must be a mapping, found a list")
        #expect(error("kind: Pod\nmetadata: {name: a}\n") == "m.yaml:1: a Kubernetes object needs an 'apiVersion'")
    }

    @Test func aliasBombIsRefusedQuickly() {
        var text = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n"
        for level in 1...12 {
            let refs = Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ")
            text += "a\(level): &a\(level) [\(refs)]\n"
        }
        text += "apiVersion: v1\nkind: ConfigMap\n"
        let message = error(text)
        #expect(message?.contains("too many nodes") == true, "\(message ?? "")")
        #expect(message?.hasPrefix("m.yaml:") == true)
    }

    @Test func deepNestingIsRefused() {
        let deep = "apiVersion: v1\nkind: ConfigMap\ndata: " + String(repeating: "[", count: 100_000) + "\n"
        #expect(error(deep) == "m.yaml:3: nesting too deep (more than 100 levels)")
        var indented = "apiVersion: v1\nkind: ConfigMap\n"
        for level in 0..<600 { indented += String(repeating: " ", count: level) + "k\(level):\n" }
        #expect(error(indented)?.contains("nesting too deep") == true)
    }

    @Test func oversizedStreamIsRefused() {
        let small = ManifestParser(maximumBytes: 1024)
        let bytes = Array(String(repeating: "# padding\n", count: 200).utf8)
        #expect(throws: BerthError.self) { try small.parse(bytes: bytes, file: "big.yaml") }
        do {
            _ = try small.parse(bytes: bytes, file: "big.yaml")
        } catch {
            #expect("\(error)".hasPrefix("big.yaml:1: manifest stream is 2000 bytes"))
        }
    }

    @Test func fiftyMegabyteStreamFailsFastWithALine() throws {
        var text = ""
        let document = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {k: v}\n---\n"
        while text.utf8.count < 50 << 20 { text += String(repeating: document, count: 1000) }
        let message = error(text)
        #expect(message?.hasPrefix("m.yaml:1: manifest stream is") == true)
    }

    @Test func notUTF8() {
        let bytes: [UInt8] = Array("apiVersion: v1\nkind: Pod\n".utf8) + [0xFF, 0xFE, 0x0A]
        #expect(throws: BerthError.self) { try parser.parse(bytes: bytes, file: "b.yaml") }
    }

    @Test func duplicateKeysAreErrorsLikeTheAPIServer() {
        // Files concatenated without '---' merge two objects into one mapping.
        let message = error("apiVersion: v1\nkind: Service\nmetadata: {name: a}\napiVersion: v1\nkind: Service\n")
        #expect(message == "m.yaml:4: duplicate key 'apiVersion' (first at line 1)")
        #expect(
            error("apiVersion: v1\nkind: Pod\nmetadata:\n  labels: {a: '1', a: '2'}\n")?.contains("duplicate key 'a'")
                == true)
    }

    @Test func mergeKeysAndAnchorsWork() throws {
        let manifest = try parse(
            """
            apiVersion: v1
            kind: Pod
            metadata:
              name: a
              labels: &labels {app: web, tier: front}
              annotations:
                <<: *labels
                tier: back
                extra: "1"
            spec:
              containers: []
            """)
        #expect(manifest.objects[0].annotations == ["app": "web", "tier": "back", "extra": "1"])
        #expect(manifest.objects[0].labels["tier"] == "front")
    }

    @Test func selectorsMatchLikeKubernetes() throws {
        let node = try #require(
            try parse(
                """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                spec:
                  selector:
                    matchLabels: {app: gw}
                    matchExpressions:
                      - {key: tier, operator: In, values: [front, edge]}
                      - {key: canary, operator: DoesNotExist}
                """
            ).objects.first)
        let selector = try LabelSelector(node.spec?["selector"], shape: Shape(file: "m.yaml"))
        #expect(selector.matches(["app": "gw", "tier": "edge"]))
        #expect(!selector.matches(["app": "gw", "tier": "back"]))
        #expect(!selector.matches(["app": "gw", "tier": "front", "canary": "yes"]))
        #expect(!selector.matches(["tier": "front"]))
    }
}
