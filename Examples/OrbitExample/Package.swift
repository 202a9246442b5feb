// swift-tools-version:6.0
// An example of Orbit used as a library: a scene built in Swift → an orbit clip → a radiance field → a GLB mesh.
// Run it from this folder with `swift run -c release orbit-example [OUTPUT-FOLDER]`.
import PackageDescription

let package = Package(
    name: "OrbitExample",
    platforms: [.macOS(.v14)],
    dependencies: [
        // another project would write .package(url: "<Orbit's repository>", from: "…") here
        .package(name: "Orbit", path: "../.."),
    ],
    targets: [
        .executableTarget(name: "orbit-example", dependencies: [.product(name: "OrbitKit", package: "Orbit")]),
    ]
)
