// swift-tools-version:6.0
import PackageDescription

// deepcoder: a plain-language description becomes a runnable Flask project, generated in-process by
// our own GGUF inference engine. Arrows point one way: deepcoder (CLI) → Scaffold → Engine, GitStore;
// GitStore and Scaffold → InputSafety. deepcoder → Serve → Engine (the OpenAI-compatible HTTP server);
// deepcoder → RemoteBackend → Scaffold (new/regen on an OpenAI-compatible server; Foundation's URLSession only).
let package = Package(
    name: "deepcoder",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "deepcoder", targets: ["deepcoder"]),
        .library(name: "Engine", targets: ["Engine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        // Hot quantized kernels in C with runtime CPU dispatch (AVX-512 VNNI / AVX2+FMA / portable).
        // Always optimised, even in debug builds: at -O0 these loops are 20–90× slower.
        .target(
            name: "CKernels",
            cSettings: [.unsafeFlags(["-O3", "-fno-math-errno"])]
        ),
        .target(
            name: "Engine",
            dependencies: [
                "CKernels",
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // libgit2 from Debian (apt-get install libgit2-dev); no shelling out to git.
        .systemLibrary(name: "CLibgit2", pkgConfig: "libgit2", providers: [.apt(["libgit2-dev"])]),
        // The one path check for names from trees, plans, contracts and model answers, and the escaping
        // of such text for the terminal; GitStore and Scaffold both use it.
        .target(name: "InputSafety"),
        .target(name: "GitStore", dependencies: ["CLibgit2", "InputSafety"]),
        // Prompts and project skeletons are data: Templates/ ships as a resource bundle.
        .target(name: "ScaffoldTemplates", path: "Templates", exclude: ["README.md"],
                resources: [.copy("prompts"), .copy("skeleton"), .copy("tools")]),
        .target(
            name: "Scaffold",
            dependencies: [
                "GitStore", "InputSafety", "ScaffoldTemplates",
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // `deepcoder serve`: the in-process engine behind an OpenAI-compatible HTTP API (Hummingbird).
        .target(
            name: "Serve",
            dependencies: [
                "Engine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // `new --backend URL`: a `TextGenerator` on any OpenAI-compatible chat-completions server.
        .target(name: "RemoteBackend", dependencies: ["Scaffold"]),
        .executableTarget(
            name: "deepcoder",
            dependencies: [
                "Engine", "Scaffold", "InputSafety", "Serve", "RemoteBackend",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Writes small GGUF model files and corrupted copies of them, for EngineTests and CLITests.
        .target(name: "GGUFTestSupport", path: "Tests/GGUFTestSupport"),
        .testTarget(
            name: "EngineTests",
            dependencies: ["Engine", "CKernels", "GGUFTestSupport"],
            resources: [.copy("Fixtures")]
        ),
        // Writes hostile git trees byte for byte (libgit2's index refuses their names), for the tests.
        .target(name: "GitTestSupport", dependencies: ["CLibgit2"], path: "Tests/GitTestSupport"),
        .testTarget(name: "ScaffoldTests", dependencies: ["Scaffold", "InputSafety", "GitTestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "GitStoreTests", dependencies: ["GitStore", "InputSafety", "GitTestSupport"]),
        // Runs the built binary; depends on the executable so it is built first.
        .testTarget(name: "CLITests", dependencies: ["deepcoder", "GitTestSupport", "GGUFTestSupport"]),
        // Runs a real `deepcoder serve` (and, where pip is there, the official `openai` client) on loopback.
        .testTarget(name: "ServeTests", dependencies: ["deepcoder", "Engine", "RemoteBackend", "Scaffold"], exclude: ["Scripts"]),
    ],
    swiftLanguageModes: [.v5]
)
