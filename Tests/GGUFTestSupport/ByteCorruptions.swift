/// Damage to the bytes of an encoded file: truncation, random flips, and targeted overwrites of one
/// header field (found through the encoder's field map) with a value chosen for that kind of field.
enum ByteCorruptions {
    static func truncate(_ bytes: inout [UInt8], headerEnd: Int, using rng: inout FuzzRandom) -> String {
        // mostly inside the header, where every cut lands in a different field
        let keep = rng.chance(0.7) ? rng.int(0..<headerEnd) : rng.int(0..<bytes.count)
        bytes.removeSubrange(keep...)
        return "truncated to \(keep) bytes"
    }

    static func flip(_ bytes: inout [UInt8], headerEnd: Int, using rng: inout FuzzRandom) -> String {
        let count = rng.int(1..<9)
        let limit = rng.chance(0.7) ? headerEnd : bytes.count
        var positions: [Int] = []
        for _ in 0..<count {
            let at = rng.int(0..<limit)
            positions.append(at)
            switch rng.int(0..<3) {
            case 0: bytes[at] ^= UInt8(1) << UInt8(rng.int(0..<8))
            case 1: bytes[at] = rng.pick([0x00, 0xFF, 0x7F, 0x80])
            default: bytes[at] = UInt8(truncatingIfNeeded: rng.next())
            }
        }
        return "bytes changed at \(positions)"
    }

    /// Overwrites one field with a value suited to its kind. Every field kind is equally likely, then
    /// every owner (key or tensor) of such fields, so the 300 entries of one array do not crowd out the
    /// single value of another key.
    static func overwriteField(_ bytes: inout [UInt8], fields: [GGUFFieldLocation], using rng: inout FuzzRandom) -> String {
        let kinds = Array(Set(fields.map(\.kind))).sorted { $0.rawValue < $1.rawValue }
        let kind = rng.pick(kinds)
        let ofKind = fields.filter { $0.kind == kind }
        let owners = Array(Set(ofKind.map(\.owner))).sorted()
        let owner = rng.pick(owners)
        let field = rng.pick(ofKind.filter { $0.owner == owner })
        let original = read(bytes, field)
        let what = "\(field.kind.rawValue) of '\(field.owner.prefix(40))' at \(field.offset)"
        switch field.kind {
        case .keyBytes, .stringBytes, .tensorNameBytes, .tensorData:
            let at = field.offset + rng.int(0..<field.size)
            let n = min(field.size - (at - field.offset), rng.int(1..<17))
            for k in at..<(at + n) { bytes[k] = rng.pick([0x00, 0x0A, 0x0D, 0x1B, 0x22, 0x20, 0x80, 0xC3, 0xFF, UInt8(truncatingIfNeeded: rng.next())]) }
            return "\(what): \(n) bytes overwritten"
        case .valueType, .arrayElementType:
            let v = UInt64(InterestingValues.valueTypeID(using: &rng))
            write(&bytes, field, v)
            return "\(what) := \(v)"
        case .tensorType:
            let v = UInt64(InterestingValues.tensorTypeID(using: &rng))
            write(&bytes, field, v)
            return "\(what) := \(v)"
        case .tensorDimensionCount:
            let v: UInt64 = rng.pick([0, 1, 2, 3, 4, 5, 8, UInt64(UInt32.max), UInt64(rng.next() & 0xFFFF_FFFF)])
            write(&bytes, field, v)
            return "\(what) := \(v)"
        case .tensorOffset:
            let a: UInt64 = 32
            let v: UInt64 = rng.chance(0.5)
                ? rng.pick([original &+ 1, original &+ a, original &- a, 0, UInt64(bytes.count), UInt64.max - a + 1,
                            UInt64.max, 1 << 63, (UInt64.max - UInt64(bytes.count)) / a * a])
                : InterestingValues.integer(near: original, using: &rng)
            write(&bytes, field, v)
            return "\(what) := \(v)"
        case .value where field.valueTypeID == GGUFValueTypeID.float32 || field.valueTypeID == GGUFValueTypeID.float64:
            let f = rng.pick(InterestingValues.floats)
            write(&bytes, field, field.size == 4 ? UInt64(Float(f).bitPattern) : f.bitPattern)
            return "\(what) := \(f)"
        case .value where field.valueTypeID == GGUFValueTypeID.bool:
            let v: UInt64 = rng.pick([0, 1, 2, 0x80, 0xFF])
            write(&bytes, field, v)
            return "\(what) := \(v)"
        default:
            // counts, lengths, versions, integer values: extremes and near misses
            let v = rng.chance(0.2) ? UInt64(bytes.count - field.offset) : InterestingValues.integer(near: original, using: &rng)
            write(&bytes, field, v)
            return "\(what) := \(v) (was \(original))"
        }
    }

    static func read(_ bytes: [UInt8], _ field: GGUFFieldLocation) -> UInt64 {
        var v: UInt64 = 0
        for k in 0..<min(field.size, 8) { v |= UInt64(bytes[field.offset + k]) << (8 * UInt64(k)) }
        return v
    }

    /// Writes the low `field.size` bytes of `v` (little-endian) over the field.
    static func write(_ bytes: inout [UInt8], _ field: GGUFFieldLocation, _ v: UInt64) {
        for k in 0..<min(field.size, 8) { bytes[field.offset + k] = UInt8(truncatingIfNeeded: v >> (8 * UInt64(k))) }
    }
}
