/// Values that tend to break readers of sizes, counts and offsets: zero, one, powers of two and their
/// neighbours, the signed and unsigned extremes, and values near the original.
enum InterestingValues {
    static let integers: [UInt64] = [
        0, 1, 2, 3, 7, 8, 15, 16, 31, 32, 33, 63, 64, 65, 127, 128, 255, 256, 257, 1000, 4095, 4096, 65_535, 65_536,
        1 << 20, UInt64(Int32.max), 1 << 31, UInt64(UInt32.max), 1 << 32, 1 << 40, 1 << 48, 1 << 53, 1 << 62,
        UInt64(Int64.max), 1 << 63, UInt64.max - 31, UInt64.max - 1, UInt64.max,
        UInt64(bitPattern: -2), UInt64(bitPattern: -8), UInt64(bitPattern: -64), UInt64(bitPattern: -256),
        UInt64(bitPattern: Int64(Int32.min)),
    ]

    static let floats: [Double] = [
        0, -0.0, 1, -1, 0.5, 1e-30, 1e30, -1e30, 1e-45, .nan, .infinity, -.infinity, 3.4e38, 1e300, .leastNonzeroMagnitude,
    ]

    /// An integer that is either one of `integers` or near `original` (or its negative).
    static func integer(near original: UInt64, using rng: inout FuzzRandom) -> UInt64 {
        switch rng.int(0..<7) {
        case 0: return original &+ UInt64(rng.int(1..<4))
        case 1: return original &- UInt64(rng.int(1..<4))
        case 2: return rng.chance(0.5) ? original &* 2 : original / 2
        case 3: return rng.next()
        case 4: return 0 &- original
        default: return rng.pick(integers)
        }
    }

    /// An integer for a ggml tensor type field: every id up to 40, the internal repacked id, garbage.
    static func tensorTypeID(using rng: inout FuzzRandom) -> UInt32 {
        switch rng.int(0..<8) {
        case 0: return rng.pick([41, 255, 1012, UInt32.max, UInt32(truncatingIfNeeded: rng.next())])
        default: return UInt32(rng.int(0..<41))
        }
    }

    /// An integer for a metadata value type field: every id, the first unknown one, garbage.
    static func valueTypeID(using rng: inout FuzzRandom) -> UInt32 {
        rng.chance(0.85) ? UInt32(rng.int(0..<13)) : rng.pick([13, 14, 255, UInt32.max, UInt32(truncatingIfNeeded: rng.next())])
    }
}
