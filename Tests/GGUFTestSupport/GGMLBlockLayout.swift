/// Block sizes of the ggml tensor types deepcoder reads (ggml-common.h's layouts), so tests can write
/// tensors of any of them with plausible random contents.
public struct GGMLBlockLayout: Sendable {
    public let typeID: UInt32
    public let name: String
    public let blockElements: Int
    public let blockBytes: Int
    /// Byte offsets of the block's F16 scale fields (set to small values so products stay finite).
    let f16Scales: [Int]
    /// Byte offset of an F32 scale (Q8_K), if any.
    let f32Scale: Int?

    public static let f32 = GGMLBlockLayout(typeID: 0, name: "F32", blockElements: 1, blockBytes: 4, f16Scales: [], f32Scale: nil)
    public static let f16 = GGMLBlockLayout(typeID: 1, name: "F16", blockElements: 1, blockBytes: 2, f16Scales: [], f32Scale: nil)
    public static let q4_0 = GGMLBlockLayout(typeID: 2, name: "Q4_0", blockElements: 32, blockBytes: 18, f16Scales: [0], f32Scale: nil)
    public static let q4_1 = GGMLBlockLayout(typeID: 3, name: "Q4_1", blockElements: 32, blockBytes: 20, f16Scales: [0, 2], f32Scale: nil)
    public static let q5_0 = GGMLBlockLayout(typeID: 6, name: "Q5_0", blockElements: 32, blockBytes: 22, f16Scales: [0], f32Scale: nil)
    public static let q5_1 = GGMLBlockLayout(typeID: 7, name: "Q5_1", blockElements: 32, blockBytes: 24, f16Scales: [0, 2], f32Scale: nil)
    public static let q8_0 = GGMLBlockLayout(typeID: 8, name: "Q8_0", blockElements: 32, blockBytes: 34, f16Scales: [0], f32Scale: nil)
    public static let q8_1 = GGMLBlockLayout(typeID: 9, name: "Q8_1", blockElements: 32, blockBytes: 36, f16Scales: [0, 2], f32Scale: nil)
    public static let q4_K = GGMLBlockLayout(typeID: 12, name: "Q4_K", blockElements: 256, blockBytes: 144, f16Scales: [0, 2], f32Scale: nil)
    public static let q5_K = GGMLBlockLayout(typeID: 13, name: "Q5_K", blockElements: 256, blockBytes: 176, f16Scales: [0, 2], f32Scale: nil)
    public static let q6_K = GGMLBlockLayout(typeID: 14, name: "Q6_K", blockElements: 256, blockBytes: 210, f16Scales: [208], f32Scale: nil)
    public static let q8_K = GGMLBlockLayout(typeID: 15, name: "Q8_K", blockElements: 256, blockBytes: 292, f16Scales: [], f32Scale: 0)
    public static let bf16 = GGMLBlockLayout(typeID: 30, name: "BF16", blockElements: 1, blockBytes: 2, f16Scales: [], f32Scale: nil)

    public static let all: [GGMLBlockLayout] = [f32, f16, q4_0, q4_1, q5_0, q5_1, q8_0, q8_1, q4_K, q5_K, q6_K, q8_K, bf16]

    public static func of(_ typeID: UInt32) -> GGMLBlockLayout? { all.first { $0.typeID == typeID } }

    /// Bytes of a tensor with these dimensions, or nil when the row length is not a whole number of
    /// blocks or the size does not fit in an Int.
    public func byteCount(_ dimensions: [UInt64]) -> Int? {
        guard let first = dimensions.first, first > 0, first <= 1 << 40, first % UInt64(blockElements) == 0 else { return nil }
        var total = Int(first) / blockElements * blockBytes
        for d in dimensions.dropFirst() {
            guard d <= UInt64(Int.max) else { return nil }
            let (m, o) = total.multipliedReportingOverflow(by: Int(d))
            guard !o else { return nil }
            total = m
        }
        return total
    }

    /// Random contents for `elements` values (a multiple of the block size) with weights of roughly
    /// ±`scale`: random quants with small block scales, or random floats for F32/F16/BF16.
    public func randomData(elements: Int, scale: Float, using rng: inout FuzzRandom) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(elements / blockElements * blockBytes)
        switch typeID {
        case GGMLBlockLayout.f32.typeID:
            for _ in 0..<elements { append(rng.float(in: -scale...scale).bitPattern, to: &out) }
        case GGMLBlockLayout.f16.typeID:
            for _ in 0..<elements { append(Float16Bits.from(rng.float(in: -scale...scale)), to: &out) }
        case GGMLBlockLayout.bf16.typeID:
            for _ in 0..<elements { append(UInt16(truncatingIfNeeded: rng.float(in: -scale...scale).bitPattern >> 16), to: &out) }
        default:
            for _ in 0..<(elements / blockElements) {
                var block = (0..<blockBytes).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                for at in f16Scales {
                    let h = Float16Bits.from(rng.float(in: scale / 64...scale / 8))
                    block[at] = UInt8(h & 0xFF)
                    block[at + 1] = UInt8(h >> 8)
                }
                if let at = f32Scale {
                    withUnsafeBytes(of: (scale / 64).bitPattern.littleEndian) { for (i, b) in $0.enumerated() { block[at + i] = b } }
                }
                out += block
            }
        }
        return out
    }

    private func append<T: FixedWidthInteger>(_ v: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: v.littleEndian) { out += $0 }
    }
}

/// IEEE half-precision bits of a Float (round to nearest), without relying on the platform's Float16.
enum Float16Bits {
    static func from(_ f: Float) -> UInt16 {
        let bits = f.bitPattern
        let sign = UInt16((bits >> 16) & 0x8000)
        let exponent = Int((bits >> 23) & 0xFF) - 127 + 15
        var mantissa = bits & 0x7F_FFFF
        if exponent <= 0 { return sign }                 // tiny values become zero
        if exponent >= 31 { return sign | 0x7C00 }       // overflow becomes infinity
        mantissa += 0x1000                               // round the 13 dropped bits
        if mantissa & 0x80_0000 != 0 { return sign | UInt16(min(exponent + 1, 31) << 10) }
        return sign | UInt16(exponent << 10) | UInt16(mantissa >> 13)
    }
}
