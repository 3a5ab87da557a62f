/// Keys and values of every layer for positions 0..<capacity, stored as IEEE half floats
/// (llama.cpp's default cache type), laid out [layer][position][kvHead × headDim].
public final class KVCache {
    public let capacity: Int
    public let layers: Int
    public let rowLength: Int
    let keys: UnsafeMutablePointer<UInt16>
    let values: UnsafeMutablePointer<UInt16>
    /// Number of positions filled.
    public internal(set) var count = 0

    init(layers: Int, capacity: Int, rowLength: Int) {
        self.layers = layers
        self.capacity = capacity
        self.rowLength = rowLength
        let n = layers * capacity * rowLength
        keys = .allocate(capacity: n)
        values = .allocate(capacity: n)
    }

    deinit {
        keys.deallocate()
        values.deallocate()
    }

    public var byteCount: Int { 2 * layers * capacity * rowLength * 2 }

    @inline(__always) func keyRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
        keys + (layer * capacity + position) * rowLength
    }

    @inline(__always) func valueRow(layer: Int, position: Int) -> UnsafeMutablePointer<UInt16> {
        values + (layer * capacity + position) * rowLength
    }

    /// Makes this cache hold the first `count` positions of `source` (a shared prompt prefilled once and
    /// copied into each sequence that starts with it). Both caches must belong to the same model.
    public func copyPrefix(of source: KVCache, count n: Int) {
        precondition(layers == source.layers && rowLength == source.rowLength, "caches of different models")
        precondition(n >= 0 && n <= source.count && n <= capacity, "copying \(n) positions of \(source.count) into \(capacity)")
        for l in 0..<layers {
            keyRow(layer: l, position: 0).update(from: source.keyRow(layer: l, position: 0), count: n * rowLength)
            valueRow(layer: l, position: 0).update(from: source.valueRow(layer: l, position: 0), count: n * rowLength)
        }
        count = n
    }

    /// Forget positions from `position` on (the next forward pass overwrites them).
    public func truncate(to position: Int) { count = min(count, max(0, position)) }
}
