/// Maps `general.architecture` to the traits of a supported architecture.
public enum ModelRegistry {
    public static let architectures: [String: ArchitectureTraits] = [
        Llama.traits.name: Llama.traits,
        Qwen2.traits.name: Qwen2.traits,
        DeepSeek2.traits.name: DeepSeek2.traits,
    ]

    public static func traits(for file: GGUFFile) throws -> ArchitectureTraits {
        guard let arch = file.architecture else {
            throw GGUFError(file: file.url.path, reason: "no general.architecture in the metadata; is this a model file?")
        }
        guard let t = architectures[arch] else {
            throw GGUFError(file: file.url.path, reason: "architecture '\(arch)' is not supported (supported: \(architectures.keys.sorted().joined(separator: ", ")))")
        }
        return t
    }
}
