// swift-tools-version:6.0
// Orbit: scene files → simulated, path-traced orbit clips with exact cameras and ground truth.
//
// The targets below are the architecture, bottom to top. Imports only go down:
//   C shims       CEmbree CAssimp CFFmpeg CMeshOptimizer CPNGShim CJPEGShim CMuJoCoShim
//   foundations   Geometry · FileSafety
//   formats       SceneFormat · Media · Assets · Exporters · Surface · Dataset
//   engines       Render · Physics · Reconstruction · Ingest
//   pipelines     Capture (scene → clip) · Pipeline (OrbitRun, FieldExport, ConsistencyCheck, report) · Fuzzing
//   library       OrbitKit (the product other packages import)
//   executables   orbit (OrbitCLI) · orbit-bench (OrbitBench)
import PackageDescription

let package = Package(
    name: "Orbit",
    platforms: [.macOS(.v14)],
    products: [
        // Orbit as a Swift library: `import OrbitKit` (README, "Use Orbit from Swift"; Examples/OrbitExample)
        .library(name: "OrbitKit", targets: ["OrbitKit"]),
        .executable(name: "orbit", targets: ["OrbitCLI"]),
        .executable(name: "orbit-bench", targets: ["OrbitBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // MARK: C libraries, each behind one small shim module.
        .systemLibrary(name: "CEmbree", path: "Sources/CEmbree"),
        .systemLibrary(name: "CAssimp", path: "Sources/CAssimp", pkgConfig: "assimp"),
        .systemLibrary(name: "CFFmpeg", path: "Sources/CFFmpeg", pkgConfig: "libavformat"),
        .systemLibrary(name: "CMeshOptimizer", path: "Sources/CMeshOptimizer"),
        // libpng reports errors by longjmp, which Swift cannot catch; this C target turns them into return codes.
        .target(name: "CPNGShim", path: "Sources/CPNGShim", linkerSettings: [.linkedLibrary("png16")]),
        // MuJoCo's error handler exits the process; this C target turns its errors into return codes.
        // libjpeg reports errors by longjmp too; this C target decodes JPEG files (EXIF orientation included) with return codes.
        .target(name: "CJPEGShim", path: "Sources/CJPEGShim", linkerSettings: [.linkedLibrary("jpeg")]),
        .target(name: "CMuJoCoShim", path: "Sources/CMuJoCoShim", linkerSettings: [.linkedLibrary("mujoco")]),

        // MARK: Foundations.
        /// Vectors, transforms, cameras, meshes, random numbers, hashing: the conventions of docs/conventions.md.
        .target(name: "Geometry"),
        /// Safe reading and writing: unique staging, output locks, the output and path policies, resource
        /// budgets, strict JSON, and one-line descriptions of system errors.
        .target(name: "FileSafety"),

        // MARK: Formats and I/O.
        /// Scene format v1: strict JSON decoding into a validated, immutable `Scene`.
        .target(name: "SceneFormat", dependencies: ["Geometry", "FileSafety"]),
        /// Images (PNG) and video (MP4/H.264).
        .target(name: "Media", dependencies: ["Geometry", "FileSafety", "CPNGShim", "CJPEGShim", "CFFmpeg"]),
        /// Meshes, materials and textures imported through assimp.
        .target(name: "Assets", dependencies: ["Geometry", "FileSafety", "Media", "CAssimp"]),
        /// Writers for meshes and point clouds (one writing path for every producer).
        .target(name: "Exporters", dependencies: ["Geometry", "FileSafety", "Media", "CAssimp"], path: "exporters"),
        /// Surfaces from scalar fields (marching cubes), mesh clean-up and simplification, geometry metrics.
        .target(name: "Surface", dependencies: ["Geometry", "CMeshOptimizer"]),
        /// The dataset contract: the folder layout, the one typed reader and writer of transforms.json (Orbit /
        /// nerfstudio / instant-ngp / NeRF-synthetic), posed images, camera limits, metadata output.
        .target(name: "Dataset", dependencies: ["Geometry", "FileSafety", "Media"]),

        // MARK: Engines.
        /// Path tracer over Embree 3 with ground-truth AOVs.
        .target(name: "Render", dependencies: ["Geometry", "SceneFormat", "Assets", "CEmbree"]),

        /// Rigid-body simulation through MuJoCo: scene → MJCF, stepping, trajectories, invariant checks.
        .target(name: "Physics", dependencies: ["Geometry", "FileSafety", "SceneFormat", "CMuJoCoShim"]),

        /// Video in: decoding, frame selection, camera poses from COLMAP or given ones → a dataset folder.
        .target(name: "Ingest", dependencies: ["Geometry", "FileSafety", "Media", "Dataset"]),

        /// Radiance fields fitted to posed images; reads dataset folders, never the renderer.
        .target(name: "Reconstruction", dependencies: ["Geometry", "FileSafety", "Media", "Dataset", "Surface", .product(name: "RealModule", package: "swift-numerics")]),

        // MARK: Pipelines.
        /// Scene → frames → dataset folder.
        .target(name: "Capture", dependencies: ["Geometry", "FileSafety", "SceneFormat", "Media", "Assets", "Exporters", "Dataset", "Render", "Physics"]),

        /// OrbitRun (generate → reconstruct → export → report) and FieldExport, mesh previews and the HTML report.
        .target(name: "Pipeline", dependencies: ["FileSafety", "Capture", "Render", "SceneFormat", "Media", "Geometry", "Dataset", "Assets",
                                                "Exporters", "Surface", "Reconstruction", "Ingest"]),

        /// The library's front door: `Orbit.generate / readDataset / reconstruct / resume / export`, and the types of
        /// the modules it re-exports (Geometry, SceneFormat, Dataset, Capture, Reconstruction, Pipeline).
        .target(name: "OrbitKit", dependencies: ["Geometry", "SceneFormat", "Dataset", "Capture", "Reconstruction", "Pipeline", "FileSafety"]),

        /// The fuzzing corpus (seeds, hand-made hostile inputs, seeded mutations) and a runner that checks each
        /// case ends in exit 0 or 1 with one line of error, nothing left behind, within time and memory bounds.
        .target(name: "Fuzzing", dependencies: ["Geometry", "FileSafety", "Media", "Exporters"]),

        // MARK: Executables (the only code that prints or exits).
        .executableTarget(name: "OrbitCLI", dependencies: [
            "Capture", "SceneFormat", "Reconstruction", "Media", "Dataset", "Geometry", "FileSafety", "Exporters", "Surface", "Assets", "Pipeline", "Physics", "Ingest",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "OrbitBench", dependencies: ["Fuzzing", "FileSafety", "Capture", "Physics", "Ingest", "SceneFormat", "Render", "Geometry", "Exporters", "Media", "Reconstruction", "Surface", "Assets", "Dataset", "Pipeline",
                                                     .product(name: "ArgumentParser", package: "swift-argument-parser")]),

        // MARK: Tests.
        // test helpers: temporary folders, processes, snapshots (light, for every test target)
        .target(name: "TestSupport", dependencies: ["Geometry", "SceneFormat"], path: "Tests/TestSupport"),
        // clips rendered once per test process (the small training dataset, the tiny scene)
        .target(name: "Fixtures", dependencies: ["Capture", "SceneFormat", "TestSupport"], path: "Tests/Fixtures"),
        // held-out PSNR of a short training run, for the targets that train
        .target(name: "ReconstructionTestSupport", dependencies: ["Dataset", "Geometry", "Reconstruction"], path: "Tests/ReconstructionTestSupport"),
        .testTarget(name: "FileSafetyTests", dependencies: ["FileSafety"]),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "TestSupport"]),
        .testTarget(name: "GeometryTests", dependencies: ["Geometry"]),
        .testTarget(name: "SceneFormatTests", dependencies: ["SceneFormat", "Geometry", "TestSupport"]),
        .testTarget(name: "AssetsTests", dependencies: ["Assets", "Media", "Geometry", "CAssimp", "TestSupport"]),
        .testTarget(name: "MediaTests", dependencies: ["Media", "Geometry", "FileSafety", "Exporters", "Assets", "CAssimp", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "SceneFormat", "Geometry", "TestSupport"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "Geometry", "SceneFormat", "FileSafety", "Dataset", "Media", "Reconstruction", "Surface", "TestSupport", "ReconstructionTestSupport", "Fixtures"], exclude: ["transforms.snapshot.json"]),
        .testTarget(name: "ExportersTests", dependencies: ["Exporters", "Geometry", "FileSafety", "Surface", "Media", "CAssimp", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "SurfaceTests", dependencies: ["Surface", "Geometry"]),
        .testTarget(name: "IngestTests", dependencies: ["Ingest", "Capture", "Media", "Dataset", "Geometry", "Reconstruction", "TestSupport", "ReconstructionTestSupport", "Fixtures"]),
        .testTarget(name: "PhysicsTests", dependencies: ["Physics", "SceneFormat", "Geometry", "TestSupport"], exclude: ["Snapshots"]),
        .testTarget(name: "DatasetTests", dependencies: ["Dataset", "Media", "Geometry", "TestSupport"]),
        // the orbit executable's commands: flags, messages, exit codes, files written (run as a subprocess)
        .testTarget(name: "CLITests", dependencies: ["Capture", "Dataset", "FileSafety", "Geometry", "Media", "Reconstruction", "SceneFormat", "TestSupport", "Fixtures"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Capture", "Media", "SceneFormat", "FileSafety", "TestSupport"], exclude: ["Fixtures"]),
        .testTarget(name: "ReconstructionTests", dependencies: ["Reconstruction", "Dataset", "Media", "Geometry", "Surface", "TestSupport"]),
    ]
)
