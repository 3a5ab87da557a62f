/// The `qwen2` architecture (Qwen2, Qwen2.5, Qwen2.5-Coder): llama's block with biases on the Q, K
/// and V projections and NeoX-style rotary embeddings (pairs (i, i + d/2)), as llama.cpp's
/// LLAMA_ROPE_TYPE_NEOX for this architecture.
public enum Qwen2 {
    public static let traits = ArchitectureTraits(name: "qwen2", ropeType: .neox, attentionBiases: true,
                                                  defaultRopeFreqBase: 1_000_000)
}
