// swift-tools-version: 6.1
// NexTraction: a self-hosted retrieval-augmented question-answering server.
// Layering (imports only point down) is described in README.md § Architecture.

import Foundation
import PackageDescription

/// Settings every target gets (STYLE.md rule 4).
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

/// Hot numeric code: bounds checks off in release only (debug builds keep every check), and
/// AVX2 + FMA code generation (x86-64 from 2013 on). `NEX_PORTABLE_BUILD=1 swift build`
/// targets any x86-64 instead; the server checks the CPU at start and says so.
let portable = ProcessInfo.processInfo.environment["NEX_PORTABLE_BUILD"] == "1"
#if arch(x86_64)
let cpuFlags = portable ? [] : ["-target-cpu", "haswell"]
#else
let cpuFlags: [String] = []
#endif
var hot: [SwiftSetting] = strict + [
    .unsafeFlags(["-Ounchecked"] + cpuFlags, .when(configuration: .release)),
    // Debug builds still optimise these few modules (bounds checks stay on): the test suite
    // embeds real pages with the real model, which unoptimised code makes ~20× slower.
    .unsafeFlags(["-O"], .when(configuration: .debug)),
]
if !cpuFlags.isEmpty { hot.append(.define("NEX_REQUIRES_AVX2", .when(configuration: .release))) }

let package = Package(
    name: "NexTraction",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "nextraction", targets: ["nextraction"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/vapor/jwt-kit.git", from: "5.7.1"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
    ],
    targets: [
        // Layer 0: the C boundary.
        .systemLibrary(name: "CBLAS", providers: [.apt(["libblas-dev", "libopenblas0-pthread"])]),
        .systemLibrary(name: "CLAPACK", providers: [.apt(["liblapack-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibXML2", pkgConfig: "libxml-2.0", providers: [.apt(["libxml2-dev"])]),
        .systemLibrary(name: "CGzip", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CPoppler", pkgConfig: "poppler-glib", providers: [.apt(["libpoppler-glib-dev"])]),
        .systemLibrary(name: "CCmark", pkgConfig: "libcmark-gfm", providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]),

        // Int8 matrix kernels in C with intrinsics, chosen by CPU at run time (no global CPU
        // flags: each kernel carries its own target attribute). Optimised in debug builds too.
        .target(name: "CQuant", cSettings: [.unsafeFlags(["-O3"])]),

        // Layer 1: numerics and plumbing.
        .target(name: "NexNumerics", dependencies: ["CBLAS", "CLAPACK"], swiftSettings: hot),
        .target(name: "TextKit", swiftSettings: hot),
        // Plan documents and their validation (Foundation only): what the orchestrator runs.
        .target(name: "PlanFormat", swiftSettings: strict),
        .target(
            name: "HTTPKit",
            dependencies: ["CCurl"],
            swiftSettings: strict
        ),

        // Layer 2: storage.
        .target(
            name: "Storage",
            dependencies: [
                "TextKit",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            swiftSettings: strict
        ),

        // Layer 2: the embedding model.
        .target(name: "Embedding", dependencies: ["NexNumerics", "TextKit", "CQuant"], swiftSettings: hot),
        .target(name: "VectorIndex", dependencies: ["NexNumerics"], swiftSettings: hot),
        // Crawling and extraction: web pages, and uploaded documents (PDF, DOCX, Markdown, text).
        .target(
            name: "Crawler",
            dependencies: ["HTTPKit", "CLibXML2", "CGzip", "CPoppler", "CCmark", "TextKit", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),

        // Layer 2½: per-collection vector indexes derived from SQLite (write and read paths share it).
        .target(name: "IndexStore", dependencies: ["Storage", "VectorIndex", "NexNumerics"], swiftSettings: strict),

        // Layer 3: the write path as jobs.
        .target(
            name: "Ingest",
            dependencies: [
                "Crawler", "Embedding", "VectorIndex", "IndexStore", "Storage", "TextKit", "HTTPKit", "NexNumerics",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Layer 3: the read path.
        .target(
            name: "LLM",
            dependencies: ["HTTPKit"],
            swiftSettings: strict
        ),
        .target(
            name: "Retrieval",
            dependencies: ["Embedding", "VectorIndex", "IndexStore", "Storage", "TextKit", "NexNumerics", "LLM"],
            swiftSettings: strict
        ),

        // Layer 4: HTTP API.
        .target(
            name: "Orchestrator",
            dependencies: [
                "Retrieval", "Storage", "LLM", "Embedding", "TextKit", "NexNumerics", "PlanFormat",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "API",
            dependencies: [
                "Storage", "Ingest", "IndexStore", "Retrieval", "Embedding", "HTTPKit", "VectorIndex", "LLM", "Orchestrator", "PlanFormat",
                "TextKit", "Crawler",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // Layer 5: the command line.
        .executableTarget(
            name: "nextraction",
            dependencies: [
                "API", "Storage", "NexNumerics", "Embedding", "TextKit", "VectorIndex", "Ingest", "IndexStore", "Retrieval", "Crawler", "HTTPKit", "LLM", "Orchestrator", "PlanFormat",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // libFuzzer targets for the parsers that read untrusted bytes (`make fuzz`). Built
        // normally it replays the seed corpus in Tests/Fuzz/corpus; built with
        // `-sanitize=fuzzer,address -DFUZZING` it is the fuzzer.
        .executableTarget(
            name: "NexFuzz",
            dependencies: ["Crawler", "HTTPKit", "TextKit", "PlanFormat", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            swiftSettings: strict
        ),

        // Test helpers shared by the test targets (spawned server processes, temp dirs).
        .target(
            name: "TestSupport",
            dependencies: ["HTTPKit", "Embedding", "Storage", .product(name: "ZIPFoundation", package: "ZIPFoundation")],
            path: "Tests/TestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "NexNumericsTests", dependencies: ["NexNumerics"], swiftSettings: strict),
        .testTarget(
            name: "EmbeddingTests",
            dependencies: ["Embedding", "TextKit", "NexNumerics", "TestSupport", "nextraction"],
            resources: [.copy("Resources/minilm-golden.json")],
            swiftSettings: strict
        ),
        .testTarget(name: "VectorIndexTests", dependencies: ["VectorIndex", "NexNumerics", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "TextKitTests", dependencies: ["TextKit", "TestSupport", "Embedding"], swiftSettings: strict),
        .testTarget(
            name: "IngestTests",
            dependencies: ["Ingest", "IndexStore", "Storage", "Embedding", "VectorIndex", "HTTPKit", "TextKit", "NexNumerics", "TestSupport",
                           .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(name: "OrchestratorTests", dependencies: ["Orchestrator", "PlanFormat", "LLM", "Storage", "Embedding", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "LLMTests", dependencies: ["LLM", "HTTPKit", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "RetrievalTests", dependencies: ["Retrieval", "TestSupport", "nextraction", "VectorIndex", "IndexStore"], swiftSettings: strict),
        .testTarget(name: "CrawlerTests", dependencies: ["Crawler", "TextKit", "HTTPKit", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "HTTPKitTests", dependencies: ["HTTPKit"], swiftSettings: strict),
        .testTarget(name: "ShimTests", dependencies: ["CLibXML2", "CCurl"], swiftSettings: strict),
        .testTarget(
            name: "StorageTests",
            dependencies: ["Storage", "TextKit", "TestSupport", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "APITests",
            dependencies: [
                "API", "Storage", "HTTPKit", "TestSupport", "nextraction", "Embedding", "Ingest", "IndexStore", "VectorIndex", "Retrieval",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
    ]
)
