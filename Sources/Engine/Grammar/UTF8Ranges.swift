// A set of Unicode scalars as UTF-8 byte patterns: each pattern is a sequence of byte ranges, one per
// encoded byte, so that a byte-level recognizer matches exactly the scalars of a character class.

enum UTF8Ranges {
    static let maxScalar: UInt32 = 0x10FFFF

    /// Sorted, merged ranges; with `negated`, their complement within all scalars. Surrogates are removed.
    static func normalize(_ ranges: [ClosedRange<UInt32>], negated: Bool) -> [ClosedRange<UInt32>] {
        var merged: [ClosedRange<UInt32>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            let r = r.lowerBound...min(r.upperBound, maxScalar)
            guard r.lowerBound <= maxScalar else { continue }
            if let last = merged.last, r.lowerBound <= last.upperBound &+ 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, r.upperBound)
            } else {
                merged.append(r)
            }
        }
        if negated {
            var complement: [ClosedRange<UInt32>] = []
            var next: UInt32 = 0
            for r in merged {
                if r.lowerBound > next { complement.append(next...(r.lowerBound - 1)) }
                next = r.upperBound + 1
            }
            if next <= maxScalar { complement.append(next...maxScalar) }
            merged = complement
        }
        // drop the surrogate block 0xD800–0xDFFF, which UTF-8 cannot encode
        var out: [ClosedRange<UInt32>] = []
        for r in merged {
            if r.upperBound < 0xD800 || r.lowerBound > 0xDFFF { out.append(r); continue }
            if r.lowerBound < 0xD800 { out.append(r.lowerBound...0xD7FF) }
            if r.upperBound > 0xDFFF { out.append(0xE000...r.upperBound) }
        }
        return out
    }

    /// The byte patterns matching exactly the scalars of `ranges` (normalized, no surrogates).
    static func patterns(_ ranges: [ClosedRange<UInt32>]) -> [[ClosedRange<UInt8>]] {
        var out: [[ClosedRange<UInt8>]] = []
        for r in ranges {
            // split where the encoded length changes
            var lo = r.lowerBound
            for limit: UInt32 in [0x7F, 0x7FF, 0xFFFF, maxScalar] where lo <= r.upperBound && lo <= limit {
                let hi = min(r.upperBound, limit)
                split(lo, hi, into: &out)
                lo = hi + 1
            }
        }
        return out
    }

    /// Splits a range of one encoded length until each piece is a product of byte ranges.
    private static func split(_ lo: UInt32, _ hi: UInt32, into out: inout [[ClosedRange<UInt8>]]) {
        let n = encodedLength(lo)
        for k in 1..<n {
            let mask: UInt32 = (1 << (6 * UInt32(k))) - 1
            if lo & ~mask != hi & ~mask {
                if lo & mask != 0 {
                    split(lo, lo | mask, into: &out)
                    split((lo | mask) + 1, hi, into: &out)
                    return
                }
                if hi & mask != mask {
                    split(lo, (hi & ~mask) - 1, into: &out)
                    split(hi & ~mask, hi, into: &out)
                    return
                }
            }
        }
        let a = encode(lo), b = encode(hi)
        out.append(zip(a, b).map { $0...$1 })
    }

    static func encodedLength(_ v: UInt32) -> Int {
        v < 0x80 ? 1 : v < 0x800 ? 2 : v < 0x10000 ? 3 : 4
    }

    static func encode(_ v: UInt32) -> [UInt8] {
        switch encodedLength(v) {
        case 1: return [UInt8(v)]
        case 2: return [UInt8(0xC0 | (v >> 6)), UInt8(0x80 | (v & 0x3F))]
        case 3: return [UInt8(0xE0 | (v >> 12)), UInt8(0x80 | ((v >> 6) & 0x3F)), UInt8(0x80 | (v & 0x3F))]
        default:
            return [UInt8(0xF0 | (v >> 18)), UInt8(0x80 | ((v >> 12) & 0x3F)), UInt8(0x80 | ((v >> 6) & 0x3F)), UInt8(0x80 | (v & 0x3F))]
        }
    }
}
