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
    ],
    targets: [
        // Pure contract code: batch schema, validation, sanitising, status models. Foundation only.
        .target(name: "SpoolCore"),
        // The embedded database (GRDB, WAL): the source of truth.
        .target(
            name: "SpoolStore",
            dependencies: ["SpoolCore", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // inotify + rescan, claiming, atomic file writes.
        .target(
            name: "SpoolInbox",
            dependencies: ["SpoolCore", .product(name: "Logging", package: "swift-log")]
        ),
        // yt-dlp / ffmpeg / ffprobe, the job runner and the scheduler.
        .target(
            name: "SpoolPipeline",
            dependencies: [
                "SpoolCore",
                "SpoolInbox",  // AtomicFile: status files and outputs appear atomically
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The daemon: ingest, control files, status projection, services.
        .target(
            name: "SpoolService",
            dependencies: [
                "SpoolCore", "SpoolStore", "SpoolInbox", "SpoolPipeline",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "spool",
            dependencies: [
                "SpoolCore", "SpoolService", "SpoolStore", "SpoolInbox", "SpoolPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .testTarget(name: "SpoolCoreTests", dependencies: ["SpoolCore"]),
        .testTarget(
            name: "SpoolInboxTests",
            dependencies: ["SpoolInbox", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(name: "SpoolStoreTests", dependencies: ["SpoolStore"]),
        .testTarget(name: "SpoolPipelineTests", dependencies: ["SpoolPipeline", "SpoolService"]),
        .testTarget(name: "EndToEndTests", exclude: ["Support/labserver.py"]),
    ]
)
