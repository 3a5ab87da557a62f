import CKernels

/// Version and build facts reported by the CLI and recorded in commit trailers.
public enum EngineInfo {
    public static let version = "0.1.0"
    /// The kernel implementation chosen for this CPU ("avx512vnni", "avx2" or "portable").
    public static var kernelISA: String { String(cString: dc_kernel_isa()) }
    /// Identifies the engine in generation records (`Deepcoder-Engine` trailer).
    public static var identifier: String { "deepcoder-engine/\(version)" }
}
