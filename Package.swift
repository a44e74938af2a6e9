// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Berth",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "berth", targets: ["berth"]),
        .executable(name: "berth-bench", targets: ["berth-bench"]),
        .library(name: "BerthCore", targets: ["BerthCore"]),
        .library(name: "Dockerfile", targets: ["Dockerfile"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.0.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.20.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.34.1"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", exact: "2.1.1"),
    ],
    targets: [
        .executableTarget(
            name: "berth",
            dependencies: [
                "BerthCore",
                "Dockerfile",
                "Rules",
                "Reporters",
                "Tags",
                "Render",
                "Check",
                "YAMLSupport",
                "Audit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                "Registry",
                "OCI",
                "Image",
                "Scan",
                .product(name: "Logging", package: "swift-log"),
                "Sign",
            ]
        ),
        .executableTarget(name: "berth-bench", dependencies: ["Dockerfile"]),
        .target(
            name: "Render",
            dependencies: [
                "BerthCore", "Tags", "YAMLSupport", .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "RenderTests", dependencies: ["Render", "Rules", "BerthCore", "Dockerfile", "Tags", "TestSupport"],
            exclude: ["Golden"]),
        .target(name: "BerthCore", dependencies: ["CBerthSystem"]),
        // The one system call Foundation and Glibc do not expose: an atomic directory swap.
        .target(name: "CBerthSystem"),
        .target(name: "Dockerfile", dependencies: ["BerthCore"]),
        .target(name: "Tags", dependencies: ["BerthCore"]),
        .target(
            name: "Rules",
            dependencies: [
                "BerthCore", "Dockerfile", "Kubernetes", "Tags", "YAMLSupport", .product(name: "Yams", package: "Yams"),
            ]
        ),
        .target(
            name: "Kubernetes", dependencies: ["BerthCore", "YAMLSupport", .product(name: "Yams", package: "Yams")]),
        // One guarded way to read YAML: size, UTF-8, nesting, alias budget, duplicate keys, located errors.
        .target(name: "YAMLSupport", dependencies: ["BerthCore", .product(name: "Yams", package: "Yams")]),
        .target(name: "Reporters", dependencies: ["BerthCore"]),
        // The check session: discovery, configuration lookup, concurrency, Helm/Kustomize, exit code.
        .target(name: "Check", dependencies: ["BerthCore", "Rules", "Kubernetes"]),
        // berth audit: CIS Docker Benchmark rules over engine JSON, and the read-only engine API client.
        .target(name: "Audit", dependencies: ["BerthCore", "Rules"]),
        .testTarget(
            name: "AuditTests", dependencies: ["Audit", "Rules", "Reporters", "BerthCore"],
            resources: [.copy("Fixtures")]),
        .target(
            name: "OCI",
            dependencies: [
                "BerthCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ]
        ),
        .target(
            name: "Registry",
            dependencies: [
                "BerthCore",
                "OCI",
                "ObjectStore",
                "RegistryMetadata",
                "Sign",
                "YAMLSupport",
                // Scan on push: the cataloguers, the vulnerability database and matching of berth scan.
                "Scan",
                "Image",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOHTTPTypesHTTP1", package: "swift-nio-extras"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                // The web console's HTML templates (escaping by default), embedded in the source.
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Yams", package: "Yams"),
                // The admin API's client (berth registry ... --url).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .target(
            name: "Sign",
            dependencies: [
                "BerthCore",
                "OCI",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ]
        ),
        .testTarget(
            name: "SignTests",
            dependencies: ["Sign", "OCI", "TestSupport", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["Fixtures"]
        ),
        // Reading images (oci:, oci-archive:, docker-archive:, dir:): layers streamed, whiteouts applied.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "Image",
            dependencies: ["BerthCore", "OCI", "CZlib", .product(name: "Crypto", package: "swift-crypto")]
        ),
        // Cataloguers, version order per ecosystem, the vulnerability database and matching, SBOM formats.
        .target(
            name: "Scan",
            dependencies: [
                "BerthCore", "Image", "CZlib", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The registry's metadata (users, projects, tags, uploads, quota, GC marks, audit, scans) behind
        // one interface: SQLite for one node, PostgreSQL for replicas.
        .target(
            name: "RegistryMetadata",
            dependencies: [
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "RegistryMetadataTests", dependencies: ["RegistryMetadata", "TestSupport"]),
        // An S3-compatible object store client: Signature Version 4, streaming bodies, multipart, retries.
        .target(
            name: "ObjectStore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Times one put or get through the object store client: scripts/bench-objectstore.sh drives it.
        .executableTarget(name: "objectstore-bench", dependencies: ["ObjectStore"]),
        .testTarget(
            name: "ObjectStoreTests",
            dependencies: [
                "ObjectStore", "TestSupport", "ObjectStoreTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Fixtures"]
        ),
        // Helpers every test target shares: paths, optional corpora, peer tools, child processes.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .target(
            name: "ObjectStoreTestSupport", dependencies: ["ObjectStore", "TestSupport"],
            path: "Tests/ObjectStoreTestSupport"),
        .testTarget(
            name: "DockerfileTests",
            dependencies: ["Dockerfile", "TestSupport"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(name: "BerthCLITests", dependencies: ["berth", "TestSupport"]),
        .testTarget(
            name: "RulesTests",
            dependencies: [
                "Rules", "Reporters", "Tags", "BerthCore", "Dockerfile", "Kubernetes", "Check", "TestSupport",
            ],
            exclude: ["Fixtures"]),
        .testTarget(
            name: "KubernetesTests", dependencies: ["Kubernetes", "Rules", "Reporters", "BerthCore", "TestSupport"],
            resources: [.copy("Fixtures")]),
        .testTarget(name: "OCITests", dependencies: ["OCI"]),
        .target(name: "ImageTestSupport", dependencies: ["OCI", "TestSupport"], path: "Tests/ImageTestSupport"),
        .testTarget(name: "ImageTests", dependencies: ["Image", "OCI", "ImageTestSupport", "TestSupport"]),
        .testTarget(
            name: "ScanTests",
            dependencies: ["Scan", "Image", "ImageTestSupport", "TestSupport", "berth"],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "YAMLSupportTests",
            dependencies: ["YAMLSupport", "Kubernetes", "Rules", "Render", "Registry", "BerthCore", "TestSupport"]),
        .testTarget(
            name: "RegistryTests",
            dependencies: [
                "Registry",
                "TestSupport",
                "ObjectStore",
                "ObjectStoreTestSupport",
                "OCI",
                "Scan",
                "ImageTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            exclude: ["Fixtures"]
        ),
    ]
)
