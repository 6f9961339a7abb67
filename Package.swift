// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LabBook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "labbook", targets: ["labbook"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Datasets", targets: ["Datasets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System libraries, each found through its Debian development package.
        .systemLibrary(
            name: "CCmark",
            pkgConfig: "libcmark",
            providers: [.apt(["libcmark-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),

        .target(
            name: "NeuralNet",
            dependencies: ["COpenBLAS"]
        ),
        .target(
            name: "Datasets",
            dependencies: ["NeuralNet", "CZlib"]
        ),
        .executableTarget(
            name: "labbook",
            dependencies: [
                "NeuralNet",
                "Datasets",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "NeuralNet"]),
        .testTarget(name: "LabBookCLITests", dependencies: ["labbook", "NeuralNet"]),
    ],
    swiftLanguageModes: [.v6]
)
