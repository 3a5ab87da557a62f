import CKernels

/// Tensor element types deepcoder reads, with ggml's type ids (as stored in GGUF tensor infos).
public enum GGMLType: UInt32, CaseIterable, Sendable {
    case f32 = 0, f16 = 1, q4_0 = 2, q4_1 = 3, q5_0 = 6, q5_1 = 7, q8_0 = 8, q8_1 = 9
    case q4_K = 12, q5_K = 13, q6_K = 14, q8_K = 15, bf16 = 30

    public var name: String { GGMLType.name(of: rawValue) }

    /// Elements per block (32 for the legacy quants, 256 for K-quants as ggml's QK_K).
    public var blockElements: Int { Int(dc_block_elements(Int32(rawValue))) }
    public var blockBytes: Int { Int(dc_block_bytes(Int32(rawValue))) }
    public func rowBytes(_ n: Int) -> Int { n / blockElements * blockBytes }

    /// The type activations are converted to for dot products with weights of this type (as ggml's);
    /// nil for Q8_1 and Q8_K, formats ggml converts activations to but has no products for as weights.
    /// A model file may still declare a tensor of those types: `WeightMatrix` refuses it.
    public var vecDotType: GGMLType? {
        let id = dc_vec_dot_type(Int32(rawValue))
        return id < 0 ? nil : GGMLType(rawValue: UInt32(id))
    }

    /// Names of all ggml type ids, including those deepcoder does not support (for error messages).
    public static func name(of id: UInt32) -> String {
        let names: [UInt32: String] = [
            0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 4: "Q4_2 (removed)", 5: "Q4_3 (removed)", 6: "Q5_0", 7: "Q5_1",
            8: "Q8_0", 9: "Q8_1", 10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K",
            16: "IQ2_XXS", 17: "IQ2_XS", 18: "IQ3_XXS", 19: "IQ1_S", 20: "IQ4_NL", 21: "IQ3_S", 22: "IQ2_S",
            23: "IQ4_XS", 24: "I8", 25: "I16", 26: "I32", 27: "I64", 28: "F64", 29: "IQ1_M", 30: "BF16",
            34: "TQ1_0", 35: "TQ2_0", 39: "MXFP4",
        ]
        return names[id] ?? "unknown type \(id)"
    }
}
