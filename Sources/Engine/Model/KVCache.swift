/// Keys and values of every layer for positions 0..<capacity, stored as IEEE half floats
/// (llama.cpp's default cache type), laid out [layer][position][kvHead × headDim].
///
/// A model with multi-head latent attention (deepseek2) caches one key row per position and layer (the
/// compressed latent followed by the rope part of the key) and no values (`valueRowLength` 0): its
/// values are the latent part of the key rows, as in llama.cpp.
public final class KVCache {
    public let capacity: Int
    public let layers: Int
    public let rowLength: Int
    public let valueRowLength: Int
    let keys: UnsafeMutablePointer<UInt16>
    let values: UnsafeMutablePointer<UInt16>
    /// Number of positions filled.
    public internal(set) var count = 0

    init(layers: Int, capacity: Int, rowLength: Int, valueRowLength: Int? = nil) {
        self.layers = layers
        self.capacity = capacity
        self.rowLength = rowLength
        self.valueRowLength = valueRowLength ?? rowLength
        keys = .allocate(capacity: layers * capacity * rowLength)
        values = .allocate(capacity: max(1, layers * capacity * self.valueRowLength))
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    public var byteCount: Int { layers * capacity * (rowLength + valueRowLength) * 2 }

    @inline(__always) func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
        keys + (layer * capacity + position) * rowLength
    }

    @inline(__always) func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
        values + (layer * capacity + position) * valueRowLength
    }

    /// Makes this cache hold the first `count` positions of `source` (a shared prompt prefilled once and
    /// copied into each sequence that starts with it). Both caches must belong to the same model.
    public func copyPrefix(of source: KVCache, count n: Int) {
        precondition(layers == source.layers && rowLength == source.rowLength && valueRowLength == source.valueRowLength,
                     "caches of different models")
        precondition(n >= 0 && n <= source.count && n <= capacity, "copying \(n) positions of \(source.count) into \(capacity)")
        for l in 0..<layers {
            keyRow(layer: l, position: 0).update(from: source.keyRow(layer: l, position: 0), count: n * rowLength)
            valueRow(layer: l, position: 0).update(from: source.valueRow(layer: l, position: 0), count: n * valueRowLength)
        }
        count = n
    }

    /// Forget positions from `position` on (the next forward pass overwrites them).
    public func truncate(to position: Int) { count = min(count, max(0, position)) }
}
