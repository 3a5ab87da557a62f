import CKernels

/// Activations converted to a weight type's vec-dot format (Q8_0, Q8_1, Q8_K, F16, …), as ggml does
/// before every quantized product. One buffer, reused across layers and tokens.
final class ActivationScratch {
    private(set) var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private(set) var type: GGMLType?
    private(set) var rowStride = 0
    /// Identifies what the buffer holds (source pointer and shape) so q/k/v share one conversion.
    private var source: (UnsafeRawPointer, Int, Int)?

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        buffer = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 64)
    }

    deinit { buffer.deallocate() }

    /// Converts `rows` rows of `columns` floats (row stride `columns`) to `type`, unless it already holds them.
    func prepare(_ type: GGMLType, from x: UnsafePointer<Float>, rows: Int, columns: Int, pool: ThreadPool) {
        if self.type == type, let s = source, s.0 == UnsafeRawPointer(x), s.1 == rows, s.2 == columns { return }
        let stride = (type.rowBytes(columns) + 63) / 64 * 64
        let need = stride * rows
        if need > capacity {
            buffer.deallocate()
            capacity = need
            buffer = UnsafeMutableRawPointer.allocate(byteCount: need, alignment: 64)
        }
        let buf = buffer
        let t = Int32(type.rawValue)
        if rows >= 4 {
            pool.parallelFor(rows) { range in
                for r in range { dc_quantize_row(t, x + r * columns, buf + r * stride, Int64(columns)) }
            }
        } else {
            for r in 0..<rows { dc_quantize_row(t, x + r * columns, buf + r * stride, Int64(columns)) }
        }
        self.type = type
        rowStride = stride
        source = (UnsafeRawPointer(x), rows, columns)
    }

    /// Forget what the buffer holds (call when the source floats change).
    func invalidate() { source = nil; type = nil }
}

extension WeightMatrix {
    /// out[t * outStride + r] = self[r] · x[t] for all rows r and tokens t < ntok, on all pool threads.
    /// `x` must have been prepared in `vecDotType` with `columns` columns. `singleTokens`: each token is
    /// summed as a one-token product sums it (dc_matmul_decode, for a decoding step of several sequences);
    /// otherwise the batched kernels of a prompt chunk (dc_matmul) are used.
    func multiply(_ x: ActivationScratch, tokens ntok: Int, into out: UnsafeMutablePointer<Float>, outStride: Int,
                  pool: ThreadPool, singleTokens: Bool = false) {
        precondition(x.type == vecDotType)
        let t = kernelType, n = Int64(columns), w = data, ws = rowBytes
        let xb = UnsafeRawPointer(x.buffer), xs = x.rowStride
        pool.parallelFor(rows, granularity: 16) { range in
            if singleTokens {
                dc_matmul_decode(t, n, w, ws, xb, xs, Int64(ntok), Int64(range.lowerBound), Int64(range.upperBound),
                                 out, Int64(outStride))
            } else {
                dc_matmul(t, n, w, ws, xb, xs, Int64(ntok), Int64(range.lowerBound), Int64(range.upperBound),
                          out, Int64(outStride))
            }
        }
    }
}
