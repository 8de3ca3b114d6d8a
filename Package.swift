// swift-tools-version:6.0
// libmilvus_import: Milvus bulk-import jobs over REST, behind a C ABI and as a Swift API.
import PackageDescription

let package = Package(
    name: "milvus_import",
    products: [
        // The C library: `make` links it with -static-stdlib, a version script and a SONAME.
        .library(name: "milvus_import", type: .dynamic, targets: ["MilvusImportC"]),
        // The Swift API: `.product(name: "MilvusImport", package: "milvus_import")`.
        .library(name: "MilvusImport", targets: ["MilvusImport"]),
        // An example of the Swift API: lists, creates and waits for an import job.
        .executable(name: "milvus-import-swift-example", targets: ["MilvusImportExample"]),
    ],
    targets: [
        // System libraries (Debian: libjansson-dev, libcurl4-openssl-dev, libssl-dev).
        .systemLibrary(name: "CJansson", path: "Sources/CJansson", pkgConfig: "jansson",
                       providers: [.apt(["libjansson-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "libcrypto",
                       providers: [.apt(["libssl-dev"])]),
        // The public header as a clang module, plus what Swift cannot declare: the thread-local
        // last error, the fork generation.
        .target(name: "CMilvusImport", path: "Sources/CMilvusImport"),
        // The Swift core: no Foundation, no C strings it does not own.
        .target(name: "MilvusImportCore", dependencies: ["CJansson", "CCurl", "COpenSSL", "CMilvusImport"],
                path: "Sources/MilvusImportCore"),
        // The C-ABI edge: @implementation @_cdecl exports only.
        .target(name: "MilvusImportC", dependencies: ["MilvusImportCore", "CMilvusImport"],
                path: "Sources/MilvusImportC"),
        // The Swift API over the core: async calls, typed results and errors.
        .target(name: "MilvusImport", dependencies: ["MilvusImportCore", "CMilvusImport"],
                path: "Sources/MilvusImport"),
        .executableTarget(name: "MilvusImportExample", dependencies: ["MilvusImport"],
                          path: "Sources/MilvusImportExample"),
        .testTarget(name: "MilvusImportCoreTests", dependencies: ["MilvusImportCore"],
                    path: "Tests/MilvusImportCoreTests"),
        .testTarget(name: "MilvusImportTests", dependencies: ["MilvusImport"],
                    path: "Tests/MilvusImportTests"),
    ]
)
