/// The `llama` architecture (Llama 2/3, SmolLM2): RMSNorm, SwiGLU, grouped-query attention, no
/// projection biases, and rotary embeddings on adjacent pairs — GGUF converters permute Q and K so
/// that llama.cpp's "normal" rope applies.
public enum Llama {
    public static let traits = ArchitectureTraits(name: "llama", ropeType: .normal, attentionBiases: false,
                                                  defaultRopeFreqBase: 10_000)
}
