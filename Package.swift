// swift-tools-version:6.0
import PackageDescription

// Modules follow the architecture: C shims at the bottom, one module per concern above them,
// the gateway that wires them together, and two executables (the gateway and the Wallaroo
// stand-in used by tests, benchmarks and the quick start).
let package = Package(
    name: "infergate",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "infergate", targets: ["infergate"]),
        .executable(name: "wallaroo-standin", targets: ["wallaroo-standin"]),
    ],
    targets: [
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl"),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto"),
        .systemLibrary(name: "COpenBLAS", path: "Sources/COpenBLAS"),
        .systemLibrary(name: "CLinuxEvents", path: "Sources/CLinuxEvents"),

        .target(name: "InfergateCore", dependencies: ["COpenSSL"]),
        .target(name: "InfergateHTTP", dependencies: ["InfergateCore", "CLinuxEvents"]),
        .target(name: "InfergateUpstream", dependencies: ["InfergateCore", "CCurl"]),
        .target(name: "InfergateTokens", dependencies: ["InfergateCore"]),
        .target(name: "InfergateAudit", dependencies: ["InfergateCore", "CSQLite"]),
        .target(name: "InfergateLimits", dependencies: ["InfergateCore"]),
        .target(
            name: "InfergateEvaluator",
            dependencies: ["InfergateCore", "COpenBLAS"],
            swiftSettings: [.unsafeFlags(["-Ounchecked"])]
        ),
        .target(
            name: "InfergateGateway",
            dependencies: [
                "InfergateCore", "InfergateHTTP", "InfergateUpstream", "InfergateTokens",
                "InfergateAudit", "InfergateLimits", "InfergateEvaluator",
            ]
        ),
        .target(name: "WallarooStandIn", dependencies: ["InfergateCore", "InfergateHTTP"]),
        .executableTarget(name: "infergate", dependencies: ["InfergateGateway"]),
        .executableTarget(name: "wallaroo-standin", dependencies: ["WallarooStandIn"]),

        .testTarget(name: "InfergateCoreTests", dependencies: ["InfergateCore"]),
        .testTarget(name: "InfergateHTTPTests", dependencies: ["InfergateHTTP", "WallarooStandIn"]),
        .testTarget(name: "InfergateUpstreamTests", dependencies: ["InfergateUpstream"]),
        .testTarget(name: "InfergateTokensTests", dependencies: ["InfergateTokens"]),
        .testTarget(name: "InfergateAuditTests", dependencies: ["InfergateAudit"]),
        .testTarget(name: "InfergateLimitsTests", dependencies: ["InfergateLimits"]),
        .testTarget(name: "InfergateEvaluatorTests", dependencies: ["InfergateEvaluator"]),
        .testTarget(
            name: "InfergateGatewayTests",
            dependencies: ["InfergateGateway", "WallarooStandIn"]
        ),
    ],
    swiftLanguageModes: [.v6]
)
