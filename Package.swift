// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "spool",
    products: [
        .executable(name: "spool", targets: ["spool"])
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // Pure contract code: batch schema, validation, sanitising, status models. Foundation only.
        .target(name: "SpoolCore"),
        // The embedded database (GRDB, WAL): the source of truth.
        .target(
            name: "SpoolStore",
            dependencies: ["SpoolCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The Linux constants and calls Swift's Glibc module does not import (O_TMPFILE, syncfs, statfs).
        .target(name: "CSpoolFiles", cSettings: [.define("_GNU_SOURCE")]),
        // Atomic writes and moves, EINTR-safe read/write/fsync, directory listing, filesystem kind.
        .target(name: "SpoolFiles", dependencies: ["CSpoolFiles"]),
        // inotify + rescan, stability, claiming inbox files.
        .target(
            name: "SpoolInbox",
            dependencies: ["SpoolFiles", .product(name: "Logging", package: "swift-log")]
        ),
        // yt-dlp / ffmpeg / ffprobe, the job runner, live recording, publishing outputs.
        .target(
            name: "SpoolPipeline",
            dependencies: [
                "SpoolCore",
                "SpoolFiles",  // AtomicFile.move: outputs appear atomically
                "CSpoolFiles",  // the yt-dlp fork server: SCM_RIGHTS, pidfd_open, pipe2
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon: ingest, the scheduler, control files, status files, metrics, services.
        .target(
            name: "SpoolService",
            dependencies: [
                "SpoolCore", "SpoolStore", "SpoolFiles", "SpoolInbox", "SpoolPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
            ]
        ),
        // The hosted API's HTTP endpoints on Hummingbird; its webhooks (AsyncHTTPClient, HMAC by swift-crypto)
        .target(
            name: "SpoolHTTP",
            dependencies: [
                "SpoolCore", "SpoolStore", "SpoolFiles", "SpoolPipeline", "SpoolService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The PostgreSQL store engine on postgres-nio (the cluster's shared store), and copying a SQLite store
        // into it, checked row by row with SHA-256 digests (swift-crypto).
        .target(
            name: "SpoolPostgres",
            dependencies: [
                "SpoolCore", "SpoolStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The command line: serve, submit, status, validate, doctor, config, demo.
        .executableTarget(
            name: "spool",
            dependencies: [
                "SpoolCore", "SpoolFiles", "SpoolPipeline", "SpoolService", "SpoolHTTP",
                "SpoolStore", "SpoolPostgres",  // spool migrate, nodes, serve on PostgreSQL
                .product(name: "PostgresNIO", package: "postgres-nio"),  // the client serve runs in its group
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "SpoolCoreTests", dependencies: ["SpoolCore"]),
        .testTarget(name: "SpoolFilesTests", dependencies: ["SpoolFiles"]),
        .testTarget(
            name: "SpoolInboxTests",
            dependencies: ["SpoolInbox", "SpoolFiles", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SpoolStoreTests", dependencies: ["SpoolStore"]),
        .testTarget(name: "SpoolPipelineTests", dependencies: ["SpoolCore", "SpoolPipeline"]),
        .testTarget(
            name: "SpoolServiceTests",
            dependencies: [
                "SpoolCore", "SpoolStore", "SpoolInbox", "SpoolPipeline", "SpoolService",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "EndToEndTests", exclude: ["Support/labserver.py", "Support/webhookreceiver.py"]),
        .testTarget(
            name: "SpoolHTTPTests",
            dependencies: [
                "SpoolCore", "SpoolStore", "SpoolPipeline", "SpoolService", "SpoolHTTP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The store protocol against both engines, PostgreSQL on a throwaway server of its own.
        .testTarget(
            name: "SpoolStoreConformanceTests",
            dependencies: [
                "SpoolCore", "SpoolStore", "SpoolPostgres",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                "SpoolService", "SpoolPipeline",  // schedulers of two nodes on one database (ClusterSchedulerTests)
            ]
        ),
    ]
)
