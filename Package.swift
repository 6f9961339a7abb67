// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "LabBook",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "labbook", targets: ["labbook"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Datasets", targets: ["Datasets"]),
        .library(name: "Notebook", targets: ["Notebook"]),
        .library(name: "Report", targets: ["Report"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // CSV.swift rather than SwiftCSV: it parses RFC 4180 quoting, LF, CRLF and a UTF-8 byte order
        // mark from a stream, row by row, and ships no resource bundle (SwiftCSV 0.10.0 processes a
        // privacy manifest into one, which the lone installed binary would lack).
        .package(url: "https://github.com/yaslab/CSV.swift", exact: "2.5.2"),
    ],
    targets: [
        // System libraries, each found through its Debian development package.
        .systemLibrary(
            name: "CCmark",
            pkgConfig: "libcmark-gfm",
            providers: [.apt(["libcmark-gfm-dev", "libcmark-gfm-extensions-dev"])]
        ),
        .systemLibrary(
            name: "COpenBLAS",
            providers: [.apt(["libopenblas-dev"])]
        ),
        .systemLibrary(
            name: "CZlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CSQLite",
            pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]
        ),

        // Small hot loops in C, for instruction sets chosen at run time (Swift code targets every x86-64).
        .target(name: "CKernels"),
        // The one file-system call Swift's Glibc module does not declare: swapping two folders atomically.
        .target(name: "CFileSystem"),

        // oneDNN (Debian's libdnnl-dev) behind a few calls, each run on the calling thread alone; gomp
        // is oneDNN's OpenMP runtime, whose thread count the calls set.
        .target(name: "CConvolution", linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),
        // PNG and JPEG through Debian's libpng and libjpeg-turbo, behind calls that return their errors
        // instead of printing them or exiting, for folders of images.
        .target(name: "CImageCodecs", linkerSettings: [.linkedLibrary("png"), .linkedLibrary("jpeg")]),
        // Open MPI behind the few calls LabBook makes, loaded with dlopen only when a launcher started
        // the process: building and running LabBook outside MPI needs no MPI.
        .target(name: "CMPI", linkerSettings: [.linkedLibrary("dl")]),

        .target(
            name: "NeuralNet",
            dependencies: ["COpenBLAS", "CKernels", "CConvolution"]
        ),
        // The one Swift wrapper around cmark-gfm, for the notebook parser and the report's prose.
        .target(name: "CommonMark", dependencies: ["CCmark"]),
        // run.json's plain values: what the runner records and the report reads, nothing else.
        .target(name: "RunRecords"),
        // The run history: every run's parameters, metrics and curves in one SQLite file (Debian's
        // libsqlite3), which `labbook runs` lists and `labbook diff` compares.
        .target(name: "RunHistory", dependencies: ["RunRecords", "CSQLite"]),
        // The files LabBook writes and reads: safetensors checkpoints and TensorBoard event files.
        .target(name: "FileFormats", dependencies: ["NeuralNet"]),
        .target(
            name: "Datasets",
            dependencies: [
                "NeuralNet", "CKernels", "CZlib", "CImageCodecs",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // The top-level templates/ folder, compiled into LabBook as string literals by the EmbedTemplates
        // plugin at every build, so the installed binary needs no resource bundle from the build tree.
        .target(
            name: "Templates",
            path: "templates",
            plugins: ["EmbedTemplates"]
        ),
        .executableTarget(name: "TemplateEmbedder"),
        .plugin(name: "EmbedTemplates", capability: .buildTool(), dependencies: ["TemplateEmbedder"]),
        .target(
            name: "Notebook",
            dependencies: [
                "NeuralNet", "FileFormats", "Datasets", "RunRecords", "CommonMark", "CFileSystem",
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // MPI's ranks as NeuralNet's RankGroup, for sweeps and training over several processes.
        .target(name: "Cluster", dependencies: ["CMPI", "NeuralNet"]),
        .target(name: "Report", dependencies: [
            "RunRecords", "RunHistory", "CommonMark", "CZlib", "Templates",
            .product(name: "Mustache", package: "swift-mustache"),
        ]),
        .executableTarget(
            name: "labbook",
            dependencies: [
                "CKernels",
                "NeuralNet",
                "Datasets",
                "Notebook",
                "Report",
                "Templates",
                "RunHistory",
                "Cluster",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet"]),
        .testTarget(name: "FileFormatsTests", dependencies: ["FileFormats", "NeuralNet"]),
        .testTarget(name: "DatasetsTests", dependencies: ["Datasets", "NeuralNet", "CImageCodecs"]),
        .testTarget(name: "NotebookTests", dependencies: [
            "Notebook", "RunRecords", "Datasets", "FileFormats", "NeuralNet", "Report",
        ]),
        .testTarget(name: "RunHistoryTests", dependencies: ["RunHistory", "RunRecords", "CSQLite"]),
        .testTarget(name: "LabBookCLITests", dependencies: [
            "labbook", "NeuralNet", "FileFormats", "CSQLite", "Report", "Cluster",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "ReportTests", dependencies: ["Report", "Notebook", "NeuralNet", "RunHistory"]),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates"]),
    ],
    swiftLanguageModes: [.v6]
)
