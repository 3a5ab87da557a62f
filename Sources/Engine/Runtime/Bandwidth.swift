import CKernels
import Foundation
import Synchronization

/// Measures the machine's memory read bandwidth the way decode uses it: every pool thread streams its
/// share of a buffer much larger than the caches. Returns the best of `repetitions` passes in bytes/s.
public func measureReadBandwidth(pool: ThreadPool, bytes: Int = 512 << 20, repetitions: Int = 5) -> Double {
    let buf = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 4096)
    defer { buf.deallocate() }
    memset(buf, 1, bytes)  // fault every page in before timing
    let chunk = 1 << 20
    let chunks = bytes / chunk
    let sink = Atomic<UInt64>(0)
    var best = 0.0
    for _ in 0..<max(1, repetitions) {
        let t0 = DispatchTime.now().uptimeNanoseconds
        pool.parallelFor(chunks) { range in
            let s = dc_read_bytes(buf + range.lowerBound * chunk, range.count * chunk)
            sink.add(s, ordering: .relaxed)
        }
        let dt = Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
        best = max(best, Double(chunks * chunk) / dt)
    }
    _ = sink.load(ordering: .relaxed)
    return best
}
