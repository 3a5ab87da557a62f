import Foundation

extension Vocabulary {
    /// Reads the tokenizer from a GGUF file's `tokenizer.ggml.*` metadata.
    public init(file: GGUFFile) throws {
        let path = file.url.path
        guard let model = file.string("tokenizer.ggml.model") else {
            throw GGUFError(file: path, reason: "no tokenizer in the file (tokenizer.ggml.model is missing)")
        }
        guard let tokens = file.metadata["tokenizer.ggml.tokens"]?.stringArray, !tokens.isEmpty else {
            throw GGUFError(file: path, reason: "tokenizer.ggml.tokens is missing or not an array of strings")
        }
        let types = file.metadata["tokenizer.ggml.token_type"]?.int32Array ?? [Int32](repeating: 1, count: tokens.count)
        guard types.count == tokens.count else {
            throw GGUFError(file: path, reason: "tokenizer.ggml.token_type has \(types.count) entries for \(tokens.count) tokens")
        }
        let merges = file.metadata["tokenizer.ggml.merges"]?.stringArray ?? []
        // Token ids, merge ranks and the tokenizer's symbol ids (tokens, up to 3 per merge, 256 bytes) are Int32.
        guard tokens.count + 3 * merges.count + 256 < Int(Int32.max) else {
            throw GGUFError(file: path, reason: "the tokenizer has \(tokens.count) tokens and \(merges.count) merges, more than token ids can number")
        }
        func id(_ key: String) throws -> Int32? {
            guard let v = file.int("tokenizer.ggml.\(key)") else { return nil }
            guard v >= 0 && v < tokens.count else {
                throw GGUFError(file: path, reason: "tokenizer.ggml.\(key) = \(v) is outside the vocabulary of \(tokens.count)")
            }
            return Int32(v)
        }
        self.init(tokens: tokens, tokenTypes: types, merges: merges, model: model,
                  pre: file.string("tokenizer.ggml.pre"),
                  bosID: try id("bos_token_id"), eosID: try id("eos_token_id"), eotID: try id("eot_token_id"),
                  eomID: try id("eom_token_id"), padID: try id("padding_token_id"), unknownID: try id("unknown_token_id"),
                  addBOS: file.bool("tokenizer.ggml.add_bos_token") ?? false,
                  addEOS: file.bool("tokenizer.ggml.add_eos_token") ?? false,
                  chatTemplate: file.string("tokenizer.chat_template"))
    }
}
