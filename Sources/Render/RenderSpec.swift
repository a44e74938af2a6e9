import Foundation
import Yams

/// A deployment pattern Berth can render.
public enum Pattern: String, Sendable, CaseIterable {
    /// Two all-in-one API Manager nodes (HA pair).
    case apimAllInOne = "apim-all-in-one"
    /// Control plane, gateways and traffic managers.
    case apimDistributed = "apim-distributed"
    /// The seed's figure: control plane, gateways, traffic managers, Identity Server as key manager.
    case apimISKM = "apim-is-km"

    public var summary: String {
        switch self {
        case .apimAllInOne: "API Manager all-in-one, an HA pair"
        case .apimDistributed: "API Manager control plane, gateways and traffic managers"
        case .apimISKM:
            "control plane, gateways, traffic managers and Identity Server as key manager (the reference architecture)"
        }
    }
}

/// `berth.yaml`: what to render. Every field has a default; the built-in default is the seed's
/// reference architecture.
public struct RenderSpec: Sendable, Equatable {
    public static let apiVersion = "berth.dev/v1alpha1"

    public enum OS: String, Sendable, CaseIterable { case ubuntu, alpine, rocky }
    public enum DatabaseType: String, Sendable, CaseIterable { case mysql, postgresql, mssql, oracle }

    public struct Distribution: Sendable, Equatable {
        /// A zip in the image's build context (`images/<component>/<file>`).
        public var file: String?
        /// An HTTPS URL, with its required sha256.
        public var url: String?
        public var sha256: String?
    }

    public struct Autoscaling: Sendable, Hashable {
        public var minReplicas: Int
        public var maxReplicas: Int
        public var cpuUtilization: Int
    }

    public struct ComponentSettings: Sendable, Equatable {
        public var replicas: Int?
        public var autoscaling: Autoscaling?
        public var cpu: String?
        public var memory: String?
    }

    public var name = "wso2"
    public var namespace = "wso2"
    public var pattern = Pattern.apimISKM
    public var apimVersion = "4.5.0"
    public var isVersion = "7.1.0"
    public var registry = "registry.example.com/wso2"
    public var os = OS.ubuntu
    public var jdk = 21
    public var baseImage: String?
    public var baseDigest: String?
    public var pullSecret: String? = "registry-credentials"
    public var distribution: [String: Distribution] = [:]
    public var components: [String: ComponentSettings] = [:]
    public var databaseType = DatabaseType.mysql
    public var databaseHost = "mysql.example.com"
    public var databasePort: Int?
    public var apimDatabase = "WSO2AM_DB"
    public var sharedDatabase = "WSO2AM_SHARED_DB"
    public var identityDatabase = "WSO2IS_DB"
    public var credentialsSecret = "wso2-credentials"
    public var storageClass = "nfs"
    public var storageSize = "1Gi"
    public var ingressClass = "nginx"
    public var tlsSecret = "wso2-tls"
    public var portalHost = "am.example.com"
    public var gatewayHost = "gw.example.com"
    public var identityHost = "is.example.com"
    /// Expose JVM and product metrics to Prometheus through the JMX exporter agent.
    public var prometheus = false
    /// The JMX exporter java agent: a jar in the build context or an https url with its sha256.
    public var jmxExporter: Distribution?
    public var networkPolicies = true
    /// Berth's own registry deployed beside the products (`spec.registry`); nil leaves it out.
    public var registryServer: RegistryServer?

    /// `spec.registry`: the private registry the seed asks for, run by `berth registry serve`.
    public struct RegistryServer: Sendable, Equatable {
        /// The Berth image (for example one built by scripts/build-image.sh), with a tag or digest.
        public var image: String
        /// The Ingress host clients push to and pull from.
        public var host = "registry.example.com"
        /// The volume the storage root lives on: ReadWriteOnce, or ReadWriteMany with replicas.
        public var storageSize = "50Gi"
        /// Its storage class; nil takes the cluster's default.
        public var storageClass: String?
        public var cpu = "500m"
        public var memory = "512Mi"
        /// The content on S3-compatible object storage (`spec.registry.objectStore`); with
        /// `database`, the registry runs several replicas.
        public var objectStore: ObjectStore?
        /// PostgreSQL for the locks and the token-signing key the replicas share (`spec.registry.database`).
        public var database: Database?
        /// The replicas' HorizontalPodAutoscaler on CPU; set exactly when both `objectStore` and `database` are.
        public var autoscaling: Autoscaling?

        /// Several replicas share the object store, the database and a ReadWriteMany state volume.
        public var isReplicated: Bool { objectStore != nil && database != nil && autoscaling != nil }

        public init(image: String) { self.image = image }

        /// `spec.registry.objectStore`: where blobs and manifests live, and the Secret with its keys.
        public struct ObjectStore: Sendable, Equatable {
            /// `s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path-style=true`, without credentials.
            public var url: String
            /// An existing Secret with `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally
            /// `AWS_SESSION_TOKEN`.
            public var secret: String
            /// Blob downloads answered with a redirect to a presigned URL of the store.
            public var redirect = false
            /// The TCP port of the endpoint (443 for AWS and https, 80 for http, unless the URL names one).
            public var port: Int

            public init(url: String, secret: String, redirect: Bool = false, port: Int) {
                self.url = url
                self.secret = secret
                self.redirect = redirect
                self.port = port
            }
        }

        /// `spec.registry.database`: PostgreSQL, reached without a password in the URL.
        public struct Database: Sendable, Equatable {
            /// `postgres://USER@HOST[:PORT]/DB`.
            public var url: String
            /// An existing Secret with `PGPASSWORD`.
            public var secret: String
            /// The TCP port of the server (5432 unless the URL names one).
            public var port: Int

            public init(url: String, secret: String, port: Int) {
                self.url = url
                self.secret = secret
                self.port = port
            }
        }
    }

    public init() {}

    public var effectiveDatabasePort: Int {
        if let databasePort { return databasePort }
        switch databaseType {
        case .mysql: return 3306
        case .postgresql: return 5432
        case .mssql: return 1433
        case .oracle: return 1521
        }
    }

    /// The base image for the OS and JDK (a JRE image of the Eclipse Temurin project).
    public var effectiveBaseImage: String {
        if let baseImage { return baseImage + (baseDigest.map { "@" + $0 } ?? "") }
        // A full JRE release in the tag, so a rebuild gets the same JRE.
        let release: String
        switch jdk {
        case 17: release = "17.0.13_11"
        case 25: release = "25.0.1_8"
        default: release = "21.0.5_11"
        }
        let tag: String
        switch os {
        case .ubuntu: tag = "\(release)-jre-noble"
        case .alpine: tag = "\(release)-jre-alpine"
        case .rocky: tag = "\(release)-jre-ubi9-minimal"
        }
        return "eclipse-temurin:" + tag + (baseDigest.map { "@" + $0 } ?? "")
    }

}
