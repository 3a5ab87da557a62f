// Vocabulary: the tokenizer inputs as stored in GGUF metadata (tokenizer.ggml.*).
// The engine fills this from the GGUF file; BPETokenizer derives everything else from it.

public struct Vocabulary: Sendable {
    /// GGUF `tokenizer.ggml.token_type` values.
    public enum TokenType {
        public static let normal: Int32 = 1
        public static let unknown: Int32 = 2
        public static let control: Int32 = 3
        public static let userDefined: Int32 = 4
        public static let unused: Int32 = 5
        public static let byte: Int32 = 6
    }

    /// tokenizer.ggml.tokens
    public var tokens: [String]
    /// tokenizer.ggml.token_type (1 normal, 2 unknown, 3 control, 4 user_defined, 5 unused, 6 byte)
    public var tokenTypes: [Int32]
    /// tokenizer.ggml.merges, each "left right"
    public var merges: [String]
    /// tokenizer.ggml.model (only "gpt2" is supported)
    public var model: String
    /// tokenizer.ggml.pre
    public var pre: String?
    public var bosID: Int32?
    public var eosID: Int32?
    public var eotID: Int32?
    public var eomID: Int32?
    public var padID: Int32?
    public var unknownID: Int32?
    /// tokenizer.ggml.add_bos_token
    public var addBOS: Bool
    /// tokenizer.ggml.add_eos_token
    public var addEOS: Bool
    /// tokenizer.chat_template
    public var chatTemplate: String?

    public init(
        tokens: [String],
        tokenTypes: [Int32],
        merges: [String],
        model: String,
        pre: String?,
        bosID: Int32?,
        eosID: Int32?,
        eotID: Int32?,
        eomID: Int32?,
        padID: Int32?,
        unknownID: Int32?,
        addBOS: Bool,
        addEOS: Bool,
        chatTemplate: String?
    ) {
        self.tokens = tokens
        self.tokenTypes = tokenTypes
        self.merges = merges
        self.model = model
        self.pre = pre
        self.bosID = bosID
        self.eosID = eosID
        self.eotID = eotID
        self.eomID = eomID
        self.padID = padID
        self.unknownID = unknownID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.chatTemplate = chatTemplate
    }
}
