// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "dbbench",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "dbbench", targets: ["dbbench"])
    ],
    dependencies: [
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0")
    ],
    targets: [
        // System-library shims: headers and link flags only.
        .target(name: "CLinux"),
        // hiredis.pc adds -D_FILE_OFFSET_BITS=64, which SwiftPM rejects with a warning; the headers are
        // on the default include path (<hiredis/hiredis.h>), so the module map alone is enough.
        .systemLibrary(name: "CHiredis", providers: [.apt(["libhiredis-dev"])]),
        .systemLibrary(name: "CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "openssl", providers: [.apt(["libssl-dev"])]),

        // The epoll task executor and sockets; knows nothing about databases.
        .target(name: "IOLoop", dependencies: ["CLinux"]),

        // TLS with OpenSSL on the loops' own sockets.
        .target(name: "TLS", dependencies: ["IOLoop", "COpenSSL"]),

        // Database clients over the I/O loops; know nothing about benchmarks.
        .target(name: "Redis", dependencies: ["IOLoop", "TLS", "CHiredis"]),

        // Workload protocol, runner, statistics, reporter, command-line building blocks.
        .target(
            name: "BenchCore",
            dependencies: [
                "IOLoop", "CLinux",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),

        .target(name: "Postgres", dependencies: ["IOLoop", "CLibpq"]),

        // The workloads of each subcommand.
        .target(name: "RedisBench", dependencies: ["BenchCore", "Redis", "TLS", "IOLoop"]),
        .target(name: "TimescaleBench", dependencies: ["BenchCore", "Postgres", "IOLoop"]),

        // `dbbench selftest`: a RESP server with a known delay, and the checks of dbbench against it.
        .target(name: "SelfTest", dependencies: ["BenchCore", "RedisBench", "IOLoop", "CLinux"]),

        // Thin main: routes subcommands, maps errors to exit codes.
        .executableTarget(name: "dbbench", dependencies: ["BenchCore", "RedisBench", "TimescaleBench", "SelfTest"]),

        .testTarget(name: "IOLoopTests", dependencies: ["IOLoop", "TestSupport"]),
        .testTarget(name: "BenchCoreTests", dependencies: ["BenchCore", "IOLoop"]),
        .testTarget(name: "SelfTestTests", dependencies: ["SelfTest", "BenchCore", "TestSupport"]),
        .testTarget(name: "RedisTests", dependencies: ["Redis", "IOLoop", "TestSupport"]),
        .testTarget(name: "PostgresTests", dependencies: ["Postgres", "IOLoop", "TestSupport", "TimescaleBench"]),
        .testTarget(
            name: "DBBenchTests",
            dependencies: [
                "TestSupport", "BenchCore", "RedisBench", "Redis", "IOLoop",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(name: "TestSupport", dependencies: ["Redis", "IOLoop"], path: "Tests/TestSupport"),
    ],
    swiftLanguageModes: [.v6]
)
