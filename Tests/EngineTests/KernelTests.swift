import CKernels
@testable import Engine
import Foundation
import XCTest

/// Tests of the C kernels (CKernels) against gguf-py reference values (fixtures made by
/// scripts/make_kernel_fixtures.py) and against double-precision arithmetic.
final class KernelTests: XCTestCase {
    // MARK: - Helpers

    static let weightTypes: [(String, Int32)] = [
        ("F32", Int32(DC_TYPE_F32)), ("F16", Int32(DC_TYPE_F16)), ("BF16", Int32(DC_TYPE_BF16)),
        ("Q4_0", Int32(DC_TYPE_Q4_0)), ("Q4_1", Int32(DC_TYPE_Q4_1)), ("Q5_0", Int32(DC_TYPE_Q5_0)),
        ("Q5_1", Int32(DC_TYPE_Q5_1)), ("Q8_0", Int32(DC_TYPE_Q8_0)), ("Q4_K", Int32(DC_TYPE_Q4_K)),
        ("Q5_K", Int32(DC_TYPE_Q5_K)), ("Q6_K", Int32(DC_TYPE_Q6_K)),
    ]

    func fixture(_ name: String) throws -> [String: Any] {
        let base = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let url = base.appendingPathComponent("kernels").appendingPathComponent(name)
        let data = try Data(contentsOf: url)
        let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let generator = try XCTUnwrap(obj["generator"] as? String)
        XCTAssertTrue(generator.contains("gguf"), "fixture \(name) must name its generator")
        return obj
    }

    func bytes(_ b64: Any?) throws -> [UInt8] {
        let s = try XCTUnwrap(b64 as? String)
        return [UInt8](try XCTUnwrap(Data(base64Encoded: s)))
    }

    func floats(_ b64: Any?) throws -> [Float] {
        let b = try bytes(b64)
        XCTAssertEqual(b.count % 4, 0)
        return b.withUnsafeBytes { raw in (0..<(b.count / 4)).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: Float.self) } }
    }

    struct Rng {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func float() -> Float { Float(next() >> 40) / Float(1 << 24) * 2 - 1 }  // [-1, 1)
    }

    func putF16(_ buf: inout [UInt8], _ off: Int, _ v: Float) {
        let h = dc_f32_to_f16(v)
        buf[off] = UInt8(h & 0xFF)
        buf[off + 1] = UInt8(h >> 8)
    }

    /// `rows` random weight rows of `n` elements: random bytes with sane f16 scales.
    func randomWeights(_ type: Int32, rows: Int, n: Int, rng: inout Rng) -> [UInt8] {
        let rowBytes = dc_row_bytes(type, Int64(n))
        var buf = [UInt8](repeating: 0, count: rowBytes * rows)
        switch Int(type) {
        case DC_TYPE_F32:
            for i in 0..<(rows * n) {
                let bits = rng.float().bitPattern
                for k in 0..<4 { buf[4 * i + k] = UInt8((bits >> (8 * UInt32(k))) & 0xFF) }
            }
            return buf
        case DC_TYPE_F16, DC_TYPE_BF16:
            for i in 0..<(rows * n) {
                let v = rng.float()
                let h = Int(type) == DC_TYPE_F16 ? dc_f32_to_f16(v) : dc_f32_to_bf16(v)
                buf[2 * i] = UInt8(h & 0xFF)
                buf[2 * i + 1] = UInt8(h >> 8)
            }
            return buf
        default:
            break
        }
        for i in 0..<buf.count { buf[i] = UInt8(truncatingIfNeeded: rng.next()) }
        let bb = dc_block_bytes(type)
        for b in 0..<(buf.count / bb) {
            let o = b * bb
            let s = 0.001 + 0.01 * abs(rng.float())
            switch Int(type) {
            case DC_TYPE_Q4_0, DC_TYPE_Q5_0, DC_TYPE_Q8_0: putF16(&buf, o, s)
            case DC_TYPE_Q4_1, DC_TYPE_Q5_1: putF16(&buf, o, s); putF16(&buf, o + 2, -8 * s)
            case DC_TYPE_Q4_K, DC_TYPE_Q5_K: putF16(&buf, o, s * 0.1); putF16(&buf, o + 2, s * 0.05)
            case DC_TYPE_Q6_K: putF16(&buf, o + 208, s * 0.1)
            default: break
            }
        }
        return buf
    }

    func dequantize(_ type: Int32, _ data: [UInt8], offset: Int = 0, n: Int) -> [Float] {
        var out = [Float](repeating: .nan, count: n)
        data.withUnsafeBytes { raw in
            out.withUnsafeMutableBufferPointer { dc_dequantize_row(type, raw.baseAddress! + offset, $0.baseAddress!, Int64(n)) }
        }
        return out
    }

    func quantize(_ type: Int32, _ x: [Float]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: dc_row_bytes(type, Int64(x.count)))
        x.withUnsafeBufferPointer { xs in
            out.withUnsafeMutableBytes { dc_quantize_row(type, xs.baseAddress!, $0.baseAddress!, Int64(x.count)) }
        }
        return out
    }

    func matmul(_ type: Int32, n: Int, w: [UInt8], rows: Int, x: [UInt8], ntok: Int, r0: Int, r1: Int,
                portable: Bool = false) -> [Float] {
        var out = [Float](repeating: .nan, count: rows * ntok)
        let ws = dc_row_bytes(type, Int64(n))
        let xs = dc_row_bytes(dc_vec_dot_type(type), Int64(n))
        w.withUnsafeBytes { wr in
            x.withUnsafeBytes { xr in
                out.withUnsafeMutableBufferPointer { o in
                    if portable {
                        dc_matmul_portable(type, Int64(n), wr.baseAddress!, ws, xr.baseAddress!, xs, Int64(ntok),
                                           Int64(r0), Int64(r1), o.baseAddress!, Int64(rows))
                    } else {
                        dc_matmul(type, Int64(n), wr.baseAddress!, ws, xr.baseAddress!, xs, Int64(ntok),
                                  Int64(r0), Int64(r1), o.baseAddress!, Int64(rows))
                    }
                }
            }
        }
        return out
    }

    /// Random activations for `ntok` tokens, quantized to the vec_dot type of `type`.
    func activations(_ type: Int32, n: Int, ntok: Int, rng: inout Rng) -> [UInt8] {
        var all = [UInt8]()
        for t in 0..<ntok {
            let x = (0..<n).map { i in rng.float() * Float(1 + (i + t) % 5) }
            all += quantize(dc_vec_dot_type(type), x)
        }
        return all
    }

    // MARK: - 1. Dequantization equals gguf-py

    func checkDequant(_ file: String, requireTypes: Set<String>) throws {
        let fx = try fixture(file)
        let entries = try XCTUnwrap(fx["entries"] as? [[String: Any]])
        var seen = Set<String>()
        for e in entries {
            let name = try XCTUnwrap(e["type"] as? String)
            let type = Int32(try XCTUnwrap(e["ggml_type"] as? Int))
            let n = try XCTUnwrap(e["n"] as? Int), rows = try XCTUnwrap(e["rows"] as? Int)
            let data = try bytes(e["data"])
            let ref = try floats(e["dequant"])
            XCTAssertEqual(dc_type_supported(type), 1, name)
            XCTAssertEqual(data.count, dc_row_bytes(type, Int64(n)) * rows, "\(name) byte count")
            XCTAssertEqual(ref.count, n * rows)
            let got = dequantize(type, data, n: n * rows)
            var bad = 0
            for i in 0..<ref.count where abs(got[i] - ref[i]) > 1e-6 * max(1, abs(ref[i])) {
                if bad < 3 { XCTFail("\(file) \(name)[\(i)]: got \(got[i]), gguf-py \(ref[i])") }
                bad += 1
            }
            XCTAssertEqual(bad, 0, "\(file) \(name): \(bad) mismatches")
            seen.insert(name)
        }
        XCTAssertTrue(requireTypes.isSubset(of: seen), "\(file) covers \(seen), needs \(requireTypes)")
    }

    func testDequantizeRandomBlocksMatchesGGUFPy() throws {
        try checkDequant("dequant_random.json",
                         requireTypes: ["Q4_0", "Q4_1", "Q5_0", "Q5_1", "Q8_0", "Q4_K", "Q5_K", "Q6_K", "F16", "BF16"])
    }

    func testDequantizeModelRowsMatchesGGUFPy() throws {
        try checkDequant("dequant_models.json", requireTypes: ["Q4_1", "Q8_0", "Q5_0", "Q4_K", "Q6_K"])
    }

    // MARK: - 2. Activation quantizers

    /// What llama.cpp's x86 quantize_row_q8_0 computes: d = amax/127, q = rne(x * (127/amax)).
    func expectedQ8_0(_ x: ArraySlice<Float>) -> (UInt16, [Int8]) {
        let amax = x.reduce(Float(0)) { max($0, abs($1)) }
        let d = amax / 127
        let id: Float = amax != 0 ? 127 / amax : 0
        return (dc_f32_to_f16(d), x.map { Int8(($0 * id).rounded(.toNearestOrEven)) })
    }

    func testQuantizeQ8_0MatchesGGUFPyAndX86Rounding() throws {
        let fx = try fixture("quantize_q8_0.json")
        let rows = try XCTUnwrap(fx["rows"] as? [[String: Any]])
        XCTAssertFalse(rows.isEmpty)
        var total = 0, offByOne = 0
        for r in rows {
            let x = try floats(r["x"])
            let ref = try bytes(r["q"])
            let got = quantize(Int32(DC_TYPE_Q8_0), x)
            XCTAssertEqual(got.count, ref.count)
            for b in 0..<(x.count / 32) {
                let o = b * 34
                // scale: bit-identical to gguf-py (both d = amax/127 rounded to f16)
                XCTAssertEqual(got[o], ref[o]); XCTAssertEqual(got[o + 1], ref[o + 1])
                let (ed, eq) = expectedQ8_0(x[(b * 32)..<(b * 32 + 32)])
                XCTAssertEqual(UInt16(got[o]) | UInt16(got[o + 1]) << 8, ed)
                for j in 0..<32 {
                    let g = Int8(bitPattern: got[o + 2 + j]), e = Int8(bitPattern: ref[o + 2 + j])
                    XCTAssertEqual(g, eq[j], "block \(b) elem \(j): x86 rounding")
                    // gguf-py rounds half away from zero with 1/d: may differ by one on exact ties only
                    XCTAssertLessThanOrEqual(abs(Int(g) - Int(e)), 1)
                    if g != e { offByOne += 1 }
                    total += 1
                }
            }
        }
        XCTAssertLessThanOrEqual(offByOne * 100, total, "more than 1% of quants differ from gguf-py")
    }

    func testQuantizeQ8RoundsTiesToEvenLikeLlamaCppX86() {
        // amax = 127 makes the multiplier exactly 1, so x.5 values are exact ties
        var x = [Float](repeating: 0, count: 32)
        x[0] = 127; x[1] = 2.5; x[2] = -3.5; x[3] = 0.5; x[4] = 1.5; x[5] = -0.5
        let expect: [Int8] = [127, 2, -4, 0, 2, 0]
        let q0 = quantize(Int32(DC_TYPE_Q8_0), x), q1 = quantize(Int32(DC_TYPE_Q8_1), x)
        for j in 0..<expect.count {
            XCTAssertEqual(Int8(bitPattern: q0[2 + j]), expect[j], "Q8_0 elem \(j)")
            XCTAssertEqual(Int8(bitPattern: q1[4 + j]), expect[j], "Q8_1 elem \(j)")
        }
    }

    func testQuantizeQ8_1AndRoundTrip() {
        var rng = Rng(state: 7)
        let x = (0..<256).map { _ in rng.float() * 3 }
        let q8_0 = quantize(Int32(DC_TYPE_Q8_0), x)
        let q8_1 = quantize(Int32(DC_TYPE_Q8_1), x)
        for b in 0..<8 {
            let o0 = b * 34, o1 = b * 36
            XCTAssertEqual(Array(q8_0[o0..<(o0 + 2)]), Array(q8_1[o1..<(o1 + 2)]), "d")
            XCTAssertEqual(Array(q8_0[(o0 + 2)..<(o0 + 34)]), Array(q8_1[(o1 + 4)..<(o1 + 36)]), "qs")
            let amax = x[(b * 32)..<(b * 32 + 32)].reduce(Float(0)) { max($0, abs($1)) }
            let sum = q8_1[(o1 + 4)..<(o1 + 36)].reduce(0) { $0 + Int(Int8(bitPattern: $1)) }
            let s = UInt16(q8_1[o1 + 2]) | UInt16(q8_1[o1 + 3]) << 8
            XCTAssertEqual(s, dc_f32_to_f16(amax / 127 * Float(sum)), "s = d * sum(qs)")
        }
        for (type, name) in [(Int32(DC_TYPE_Q8_0), "Q8_0"), (Int32(DC_TYPE_Q8_1), "Q8_1")] {
            let back = dequantize(type, quantize(type, x), n: x.count)
            for b in 0..<8 {
                let amax = x[(b * 32)..<(b * 32 + 32)].reduce(Float(0)) { max($0, abs($1)) }
                for j in (b * 32)..<(b * 32 + 32) {
                    XCTAssertLessThanOrEqual(abs(back[j] - x[j]), amax / 127 * 0.5 + amax * 1e-3, "\(name) round trip")
                }
            }
        }
    }

    func testQuantizeQ8_KMatchesReferenceAndRoundTrips() {
        var rng = Rng(state: 11)
        var x = (0..<512).map { _ in rng.float() * 2 }
        x[300] = -5  // the second block's extreme value is negative
        for j in 256..<260 { x[j] = 0 }
        let q = quantize(Int32(DC_TYPE_Q8_K), x)
        XCTAssertEqual(q.count, 2 * 292)
        for b in 0..<2 {
            let o = b * 292
            let blk = x[(b * 256)..<(b * 256 + 256)]
            var mx: Float = 0, amax: Float = 0
            for v in blk where abs(v) > amax { amax = abs(v); mx = v }
            let iscale = -127 / mx
            let d = q.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o, as: Float.self) }
            XCTAssertEqual(d, 1 / iscale)
            for (j, v) in blk.enumerated() {
                let e = min(127, Int((iscale * v).rounded(.toNearestOrEven)))
                XCTAssertEqual(Int(Int8(bitPattern: q[o + 4 + j])), e, "q8_K block \(b) elem \(j)")
            }
            for g in 0..<16 {
                let sum = (0..<16).reduce(0) { $0 + Int(Int8(bitPattern: q[o + 4 + 16 * g + $1])) }
                let bs = q.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: o + 260 + 2 * g, as: Int16.self) }
                XCTAssertEqual(Int(bs), sum, "bsums[\(g)]")
            }
        }
        let back = dequantize(Int32(DC_TYPE_Q8_K), q, n: x.count)
        for b in 0..<2 {
            let amax = x[(b * 256)..<(b * 256 + 256)].reduce(Float(0)) { max($0, abs($1)) }
            for j in (b * 256)..<(b * 256 + 256) {
                XCTAssertLessThanOrEqual(abs(back[j] - x[j]), amax / 127 * 0.5001)
            }
        }
    }

    // MARK: - 3. Matmul equals dequantize-then-multiply (double precision)

    func checkMatmulAgainstDouble(_ name: String, _ type: Int32, n: Int, w: [UInt8], rows: Int, x: [UInt8],
                                  ntok: Int, r0: Int, r1: Int) {
        let out = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: r0, r1: r1)
        let vt = dc_vec_dot_type(type)
        let ws = dc_row_bytes(type, Int64(n)), xs = dc_row_bytes(vt, Int64(n))
        for t in 0..<ntok {
            let xd = dequantize(vt, x, offset: t * xs, n: n)
            let xn = xd.reduce(0.0) { $0 + Double($1) * Double($1) }
            for r in 0..<rows {
                let got = out[t * rows + r]
                if r < r0 || r >= r1 {
                    XCTAssertTrue(got.isNaN, "\(name): row \(r) outside [\(r0), \(r1)) was written")
                    continue
                }
                let wd = dequantize(type, w, offset: r * ws, n: n)
                var dot = 0.0, wn = 0.0
                for i in 0..<n { dot += Double(wd[i]) * Double(xd[i]); wn += Double(wd[i]) * Double(wd[i]) }
                let tol = 1e-3 * (wn * xn).squareRoot() + 1e-12
                XCTAssertLessThanOrEqual(abs(Double(got) - dot), tol, "\(name) ntok \(ntok) row \(r) tok \(t): \(got) vs \(dot)")
                // the single-row entry point agrees too
                let vd = w.withUnsafeBytes { wr in x.withUnsafeBytes { xr in
                    dc_vec_dot(type, Int64(n), wr.baseAddress! + r * ws, xr.baseAddress! + t * xs) } }
                XCTAssertLessThanOrEqual(abs(Double(vd) - dot), tol, "\(name) vec_dot row \(r)")
            }
        }
    }

    func testMatmulMatchesDoublePrecisionForEveryType() {
        var rng = Rng(state: 42)
        for (name, type) in Self.weightTypes {
            let n = dc_block_elements(type) == 256 ? 512 : 160
            let rows = 11
            let w = randomWeights(type, rows: rows, n: n, rng: &rng)
            for ntok in [1, 5] {
                let x = activations(type, n: n, ntok: ntok, rng: &rng)
                checkMatmulAgainstDouble(name, type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows)
                checkMatmulAgainstDouble(name, type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 1, r1: 10)
                checkMatmulAgainstDouble(name, type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 3, r1: 4)
            }
        }
    }

    func testMatmulOnRealModelRows() throws {
        let fx = try fixture("dequant_models.json")
        var rng = Rng(state: 5)
        for e in try XCTUnwrap(fx["entries"] as? [[String: Any]]) {
            let name = try XCTUnwrap(e["type"] as? String)
            let type = Int32(try XCTUnwrap(e["ggml_type"] as? Int))
            let n = try XCTUnwrap(e["n"] as? Int), rows = try XCTUnwrap(e["rows"] as? Int)
            let w = try bytes(e["data"])
            let x = activations(type, n: n, ntok: 3, rng: &rng)
            checkMatmulAgainstDouble("model \(name)", type, n: n, w: w, rows: rows, x: x, ntok: 3, r0: 0, r1: rows)
        }
    }

    // MARK: - 4. Fast path equals portable path

    func testFastPathEqualsPortablePath() {
        let isa = String(cString: dc_kernel_isa())
        print("KernelTests: dc_kernel_isa() = \(isa)")
        dc_force_portable(1)
        XCTAssertEqual(String(cString: dc_kernel_isa()), "portable")
        dc_force_portable(0)
        XCTAssertEqual(String(cString: dc_kernel_isa()), isa)
        var rng = Rng(state: 99)
        for (name, type) in Self.weightTypes {
            let n = dc_block_elements(type) == 256 ? 1024 : 896
            let rows = 13
            let w = randomWeights(type, rows: rows, n: n, rng: &rng)
            for ntok in [1, 2, 5, 8] {  // 2 and 8 fill whole GEMM token tiles, 5 leaves a remainder
                let x = activations(type, n: n, ntok: ntok, rng: &rng)
                let fast = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 2, r1: 13)
                dc_force_portable(1)
                let viaDispatch = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 2, r1: 13)
                dc_force_portable(0)
                let portable = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 2, r1: 13, portable: true)
                for i in 0..<fast.count {
                    if i % rows < 2 { XCTAssertTrue(fast[i].isNaN && portable[i].isNaN); continue }
                    XCTAssertEqual(viaDispatch[i], portable[i], "\(name): forced-portable dispatch differs")
                    let tol = 1e-4 * max(1, abs(portable[i]))
                    XCTAssertEqual(fast[i], portable[i], accuracy: tol, "\(name) [\(isa)] ntok \(ntok) index \(i)")
                }
            }
        }
    }

    /// The batched GEMM path (ntok >= 2) and the decode path (ntok = 1) against the portable path on
    /// whole tensors of the installed qwen2.5-coder-0.5b model (Q5_0, Q8_0, Q4_K, Q6_K; n up to 4864).
    func testFastPathEqualsPortableOnModelTensors() throws {
        let path = try TestModels.require(TestModels.qwenModel)
        let file = try GGUFFile(path: path)
        var picked: [Int32: GGUFTensorInfo] = [:]
        for t in file.tensors where t.dimensions.count == 2 && t.name.hasPrefix("blk.") {
            let type = Int32(t.type.rawValue)
            if picked[type] == nil || (picked[type]!.rowLength < t.rowLength) { picked[type] = t }
        }
        XCTAssertEqual(Set(picked.keys), Set([DC_TYPE_Q5_0, DC_TYPE_Q8_0, DC_TYPE_Q4_K, DC_TYPE_Q6_K].map { Int32($0) }))
        var rng = Rng(state: 7)
        var worst = 0.0
        for (type, t) in picked.sorted(by: { $0.key < $1.key }) {
            let n = t.rowLength, rows = min(t.rowCount, 67)  // 67: whole 4-row tiles plus 3 single rows
            let w = [UInt8](UnsafeRawBufferPointer(start: file.data(of: t), count: rows * t.rowBytes))
            for ntok in [1, 4, 7] {
                let x = activations(type, n: n, ntok: ntok, rng: &rng)
                let fast = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows)
                let portable = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows, portable: true)
                for i in 0..<fast.count {
                    let tol = 1e-4 * max(1, abs(Double(portable[i])))
                    worst = max(worst, abs(Double(fast[i]) - Double(portable[i])) / max(1, abs(Double(portable[i]))))
                    XCTAssertEqual(Double(fast[i]), Double(portable[i]), accuracy: tol, "\(t.name) (\(t.type)) ntok \(ntok) index \(i)")
                }
            }
        }
        print("KernelTests: model tensors, worst fast-vs-portable difference \(worst) (relative to max(1, |x|))")
    }

    /// dc_matmul_decode (a decoding step of several sequences) gives each token bit for bit what dc_matmul
    /// gives it alone (ntok = 1), for every weight type, the repacked Q4_K included, with token counts below,
    /// at and above its 8-token pass and row ranges that do not start at 0; with the native kernels and, where
    /// the machine has AVX-512, the AVX2 ones.
    /// Q5_0 and Q4_0 steps run the prompt tiles, whose per-block step is fma(dw * dy, float(sum), acc) where the
    /// single-token kernel's is fma(dw, float(sum) * dy, acc): equal only because both products are exact. The
    /// "extreme" cases put every lane sum near its largest magnitude with 12-13 significant bits (extremeWeights
    /// against activations of +-127) and scales that use all 11 bits of an f16 significand.
    func testDecodeMatmulEqualsOneTokenAtATime() {
        for avx2 in Self.kernelCaps {
            dc_force_avx2(avx2 ? 1 : 0)
            defer { dc_force_avx2(0) }
            checkDecodeMatmul(isa: String(cString: dc_kernel_isa()))
        }
    }

    func checkDecodeMatmul(isa: String) {
        var rng = Rng(state: 2024)
        let x8 = Int32(DC_TYPE_Q4_K_X8)
        var cases = Self.weightTypes.map { (name: $0.0, type: $0.1, n: dc_block_elements($0.1) == 256 ? 1024 : 896, extreme: false) }
        cases.append((name: "Q5_0 n=4864", type: Int32(DC_TYPE_Q5_0), n: 4864, extreme: false))
        cases.append((name: "Q4_K_X8", type: x8, n: 1024, extreme: false))
        for (name, t) in [("Q5_0", DC_TYPE_Q5_0), ("Q4_0", DC_TYPE_Q4_0), ("Q8_0", DC_TYPE_Q8_0)] {
            cases.append((name: "\(name) extreme", type: Int32(t), n: 896, extreme: true))
        }
        for c in cases {
            let rows = 16
            let source = c.type == x8 ? Int32(DC_TYPE_Q4_K) : c.type
            var w = c.extreme ? extremeWeights(c.type, rows: rows, n: c.n, rng: &rng) : randomWeights(source, rows: rows, n: c.n, rng: &rng)
            if c.type == x8 {
                var packed = [UInt8](repeating: 0, count: rows * dc_row_bytes(x8, Int64(c.n)))
                w.withUnsafeBytes { src in packed.withUnsafeMutableBytes { dst in
                    dc_repack_q4_K_x8(src.baseAddress!, dc_row_bytes(source, Int64(c.n)), Int64(rows), Int64(c.n), dst.baseAddress!) } }
                w = packed
            }
            let ws = dc_row_bytes(c.type, Int64(c.n)), xs = dc_row_bytes(dc_vec_dot_type(source), Int64(c.n))
            for ntok in [2, 3, 4, 8, 11] {
                let x = c.extreme ? extremeActivations(n: c.n, ntok: ntok, rng: &rng) : activations(source, n: c.n, ntok: ntok, rng: &rng)
                var batch = [Float](repeating: .nan, count: rows * ntok)
                w.withUnsafeBytes { wr in x.withUnsafeBytes { xr in batch.withUnsafeMutableBufferPointer { o in
                    dc_matmul_decode(c.type, Int64(c.n), wr.baseAddress!, ws, xr.baseAddress!, xs, Int64(ntok), 3, Int64(rows),
                                     o.baseAddress!, Int64(rows))
                } } }
                for t in 0..<ntok {
                    let one = Array(x[(t * xs)..<((t + 1) * xs)])
                    let alone = matmul(c.type, n: c.n, w: w, rows: rows, x: one, ntok: 1, r0: 3, r1: rows)
                    for r in 0..<rows {
                        let v = batch[t * rows + r]
                        if r < 3 { XCTAssertTrue(v.isNaN, "\(c.name): row \(r) outside the range was written"); continue }
                        XCTAssertEqual(v.bitPattern, alone[r].bitPattern, "\(isa) \(c.name) ntok \(ntok) token \(t) row \(r): \(v) vs \(alone[r]) alone")
                    }
                }
            }
        }
    }

    /// Q0 weights whose every lane sum (4 products) is near the largest magnitude against extremeActivations,
    /// with as many significant bits as that allows: in each group of 4, three weights at the type's most
    /// negative value and one just above it (Q5_0 -16, -16, -16, -15: lane sums +-8001, 13 bits; Q4_0 -8 and
    /// -7; Q8_0 -127 and -126); each block's scale a random f16 with a full significand. So float(sum) * dy
    /// needs all 24 bits of an f32 significand for Q5_0.
    func extremeWeights(_ type: Int32, rows: Int, n: Int, rng: inout Rng) -> [UInt8] {
        let bb = dc_block_bytes(type)
        var buf = [UInt8](repeating: 0, count: rows * dc_row_bytes(type, Int64(n)))
        for b in 0..<(buf.count / bb) {
            let o = b * bb
            let half = UInt16(0x2000 | (rng.next() & 0x3FF))  // 2^-7 .. 2^-6 with a random 10-bit fraction
            buf[o] = UInt8(half & 0xFF)
            buf[o + 1] = UInt8(half >> 8)
            switch Int(type) {
            case DC_TYPE_Q8_0:
                for k in 0..<32 { buf[o + 2 + k] = k % 4 == 3 ? 0x82 : 0x81 }  // -126, -127
            default:
                // nibble j is element j (low) and j + 16 (high); qh stays 0 (Q5_0: u - 16, Q4_0: u - 8)
                let qs = Int(type) == DC_TYPE_Q5_0 ? o + 6 : o + 2
                for j in 0..<16 where j % 4 == 3 { buf[qs + j] = 0x11 }
            }
        }
        return buf
    }

    /// Q8_0 activation rows of +-127 (each block's sign random) with random full-significand scales.
    func extremeActivations(n: Int, ntok: Int, rng: inout Rng) -> [UInt8] {
        var all = [UInt8]()
        for _ in 0..<(ntok * n / 32) {
            let half = UInt16(0x3000 | (rng.next() & 0x3FF))
            all += [UInt8(half & 0xFF), UInt8(half >> 8)]
            let q: UInt8 = rng.next() & 1 == 0 ? 0x7F : 0x81
            all += [UInt8](repeating: q, count: 32)
        }
        return all
    }

    /// Q4_1 (SmolLM2's weights): llama.cpp runs each output of a prompt product through its one-token dot
    /// product, so the batched tile kernel (ntok >= 2, weight blocks decoded once per row tile) must give every
    /// token bit for bit what ntok = 1 gives it: with whole and partial token tiles, whole and partial row
    /// tiles, row ranges not starting at 0, and a token count above the 256 prepared at once.
    func testQ4_1PromptProductEqualsOneTokenAtATime() {
        for avx2 in Self.kernelCaps {
            dc_force_avx2(avx2 ? 1 : 0)
            defer { dc_force_avx2(0) }
            checkQ4_1PromptProduct(isa: String(cString: dc_kernel_isa()))
        }
    }

    /// Q8_0, Q5_0 and Q4_0 prompt products (ntok >= 2) follow llamafile's tinyBLAS order, which llama.cpp uses for
    /// them: per 32-block, 8 exact integer lane sums of 4 products each, acc = fma(dw * dy, float(lane sum), acc) in
    /// block order, then one 8-lane sum. Checked to the bit against that order written out here, for the native
    /// kernels (on AVX-512, two rows per 512-bit register and 8 tokens per tile) and the AVX2 ones: whole and
    /// partial row and token tiles, a row range not starting at 0, and token counts up to 19.
    func testQ0PromptProductFollowsTinyBLASOrder() {
        var rng = Rng(state: 3232)
        for (name, type) in [("Q8_0", Int32(DC_TYPE_Q8_0)), ("Q5_0", Int32(DC_TYPE_Q5_0)), ("Q4_0", Int32(DC_TYPE_Q4_0))] {
            let n = 320, rows = 15  // from row 1: 3 whole 4-row tiles, then 2 single rows
            let w = randomWeights(type, rows: rows, n: n, rng: &rng)
            let ws = dc_row_bytes(type, Int64(n)), xs = dc_row_bytes(dc_vec_dot_type(type), Int64(n))
            for ntok in [2, 4, 5, 8, 9, 14, 15, 19] {  // 14, 15: last 512-bit tiles of 6 and 7 tokens
                let x = activations(type, n: n, ntok: ntok, rng: &rng)
                var expected = [Float](repeating: .nan, count: rows * ntok)
                for t in 0..<ntok {
                    for r in 1..<rows {
                        expected[t * rows + r] = Self.tinyBLASQ0Dot(type, n: n, w: Array(w[(r * ws)..<((r + 1) * ws)]),
                                                                    x: Array(x[(t * xs)..<((t + 1) * xs)]))
                    }
                }
                for avx2 in Self.kernelCaps {
                    dc_force_avx2(avx2 ? 1 : 0)
                    defer { dc_force_avx2(0) }
                    let isa = String(cString: dc_kernel_isa())
                    let got = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 1, r1: rows)
                    for i in 0..<got.count where i % rows == 0 { XCTAssertTrue(got[i].isNaN, "\(name) [\(isa)]: row 0 was written") }
                    for i in 0..<got.count where i % rows != 0 {
                        XCTAssertEqual(got[i].bitPattern, expected[i].bitPattern,
                                       "\(name) [\(isa)] ntok \(ntok) token \(i / rows) row \(i % rows): \(got[i]) vs \(expected[i])")
                    }
                }
            }
        }
    }

    /// One output of the tinyBLAS Q0 order (see above) from a weight row and a Q8_0 activation row.
    static func tinyBLASQ0Dot(_ type: Int32, n: Int, w: [UInt8], x: [UInt8]) -> Float {
        func half(_ b: [UInt8], _ o: Int) -> Float { Float(Float16(bitPattern: UInt16(b[o]) | UInt16(b[o + 1]) << 8)) }
        let wb = w.count / (n / 32)
        var acc = [Float](repeating: 0, count: 8)
        for b in 0..<(n / 32) {
            let wo = b * wb, xo = b * 34
            var q = [Int](repeating: 0, count: 32)
            switch Int(type) {
            case DC_TYPE_Q8_0: for j in 0..<32 { q[j] = Int(Int8(bitPattern: w[wo + 2 + j])) }
            case DC_TYPE_Q4_0:
                for j in 0..<16 { q[j] = Int(w[wo + 2 + j] & 15) - 8; q[j + 16] = Int(w[wo + 2 + j] >> 4) - 8 }
            default:  // Q5_0: d, 32 high bits, 16 bytes of nibbles
                let qh = (0..<4).reduce(UInt32(0)) { $0 | UInt32(w[wo + 2 + $1]) << (8 * UInt32($1)) }
                for j in 0..<16 {
                    q[j] = Int(UInt32(w[wo + 6 + j] & 15) | ((qh >> UInt32(j)) & 1) << 4) - 16
                    q[j + 16] = Int(UInt32(w[wo + 6 + j] >> 4) | ((qh >> UInt32(j + 16)) & 1) << 4) - 16
                }
            }
            let d = half(w, wo) * half(x, xo)
            for l in 0..<8 {
                let s = (0..<4).reduce(0) { $0 + q[4 * l + $1] * Int(Int8(bitPattern: x[xo + 2 + 4 * l + $1])) }
                acc[l] = acc[l].addingProduct(d, Float(s))
            }
        }
        let s4 = (0..<4).map { acc[$0] + acc[$0 + 4] }
        return (s4[0] + s4[2]) + (s4[1] + s4[3])
    }

    /// On AVX-512 the Q4_K (repacked) and Q6_K prompt kernels run two 8-row groups at once, 16 rows per 512-bit
    /// register; every row must get exactly what the 8-row AVX2 kernels give it (the same integer sums and float
    /// steps). Row ranges that start inside a group and end before the last one mix 16-row, 8-row and partial tiles;
    /// the token counts cover gemm tiles, gemv leftovers and (Q6_K from 8 tokens) partial token tiles.
    func testSixteenRowPromptKernelsEqualEightRowKernels() throws {
        guard String(cString: dc_kernel_isa()) == "avx512vnni" else { throw XCTSkip("needs AVX-512 VNNI (the 16-row kernels)") }
        var rng = Rng(state: 1616)
        let n = 768, rows = 56
        let q4k = Int32(DC_TYPE_Q4_K), x8 = Int32(DC_TYPE_Q4_K_X8), q6k = Int32(DC_TYPE_Q6_K)
        let w4 = randomWeights(q4k, rows: rows, n: n, rng: &rng)
        var packed = [UInt8](repeating: 0, count: rows * dc_row_bytes(x8, Int64(n)))
        w4.withUnsafeBytes { src in packed.withUnsafeMutableBytes { dst in
            dc_repack_q4_K_x8(src.baseAddress!, dc_row_bytes(q4k, Int64(n)), Int64(rows), Int64(n), dst.baseAddress!) } }
        let w6 = randomWeights(q6k, rows: rows, n: n, rng: &rng)
        for (name, type, w, counts) in [("Q4_K_X8", x8, packed, [4, 6, 8, 13]), ("Q6_K", q6k, w6, [8, 9, 11, 14, 16])] {
            for ntok in counts {
                let x = activations(q4k, n: n, ntok: ntok, rng: &rng)
                for (r0, r1) in [(0, rows), (3, 50), (8, 40)] {
                    let wide = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: r0, r1: r1)
                    dc_force_avx2(1)
                    let narrow = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: r0, r1: r1)
                    dc_force_avx2(0)
                    for i in 0..<wide.count {
                        let r = i % rows
                        if r < r0 || r >= r1 { XCTAssertTrue(wide[i].isNaN, "\(name): row \(r) outside [\(r0), \(r1)) was written"); continue }
                        XCTAssertEqual(wide[i].bitPattern, narrow[i].bitPattern,
                                       "\(name) ntok \(ntok) rows [\(r0), \(r1)) token \(i / rows) row \(r): \(wide[i]) vs AVX2 \(narrow[i])")
                    }
                }
            }
        }
    }

    /// The native kernels, and also the AVX2 ones where the machine has AVX-512 (dc_force_avx2), so that
    /// tests on either kind of machine run the AVX2 code.
    static var kernelCaps: [Bool] {
        String(cString: dc_kernel_isa()) == "avx512vnni" ? [false, true] : [false]
    }

    func checkQ4_1PromptProduct(isa: String) {
        var rng = Rng(state: 4141)
        let type = Int32(DC_TYPE_Q4_1)
        for n in [64, 576, 1536] {
            let rows = 23  // 5 whole 4-row tiles from row 2, then 1 row
            let w = randomWeights(type, rows: rows, n: n, rng: &rng)
            let xs = dc_row_bytes(dc_vec_dot_type(type), Int64(n))
            for ntok in [2, 3, 5, 64, 259] {
                let x = activations(type, n: n, ntok: ntok, rng: &rng)
                let batch = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 2, r1: rows)
                for t in 0..<ntok {
                    let one = Array(x[(t * xs)..<((t + 1) * xs)])
                    let alone = matmul(type, n: n, w: w, rows: rows, x: one, ntok: 1, r0: 2, r1: rows)
                    for r in 0..<rows {
                        let v = batch[t * rows + r]
                        if r < 2 { XCTAssertTrue(v.isNaN, "row \(r) outside the range was written"); continue }
                        XCTAssertEqual(v.bitPattern, alone[r].bitPattern, "[\(isa)] n \(n) ntok \(ntok) token \(t) row \(r): \(v) vs \(alone[r]) alone")
                    }
                }
            }
        }
    }

    /// The AVX2 Q4_K and Q6_K 8-row kernels sum pair products in 16 bits before the scale: Q4_K over the 8
    /// positions of a sub-block (at most 8 x 2 x 15 x 128 = 30720), Q6_K two positions at a time (at most
    /// 2 x 2 x 63 x 128 = 32256). Weights at their largest values (every nibble 15, every 6-bit value 63) times
    /// activations of -128 reach those bounds; the AVX2 results must equal the portable kernel's (which sums in
    /// 32 bits) within rounding, and where the machine has AVX-512 the VNNI kernels' (32-bit sums, the same float
    /// steps) to the bit. One more position in a 16-bit sum would wrap and miss by thousands.
    /// Q8_K blocks (float d, 256 int8 values, 16 int16 sums of 16) with every value -128.
    static func q8KBlocksAtTheBound(n: Int, scale: Float) -> [UInt8] {
        var out: [UInt8] = []
        for _ in 0..<(n / 256) {
            withUnsafeBytes(of: scale.bitPattern.littleEndian) { out += $0 }
            out += [UInt8](repeating: 0x80, count: 256)
            for _ in 0..<16 { withUnsafeBytes(of: Int16(-128 * 16).littleEndian) { out += $0 } }
        }
        return out
    }

    func testAVX2SixteenBitSumsAtTheirBounds() {
        var rng = Rng(state: 16)
        let n = 1024, rows = 16
        let q4k = Int32(DC_TYPE_Q4_K), x8 = Int32(DC_TYPE_Q4_K_X8), q6k = Int32(DC_TYPE_Q6_K)
        var w4 = randomWeights(q4k, rows: rows, n: n, rng: &rng)
        for b in 0..<(w4.count / 144) { for i in 16..<144 { w4[b * 144 + i] = 0xFF } }  // qs: every nibble 15
        var packed = [UInt8](repeating: 0, count: rows * dc_row_bytes(x8, Int64(n)))
        w4.withUnsafeBytes { src in packed.withUnsafeMutableBytes { dst in
            dc_repack_q4_K_x8(src.baseAddress!, dc_row_bytes(q4k, Int64(n)), Int64(rows), Int64(n), dst.baseAddress!) } }
        var w6 = randomWeights(q6k, rows: rows, n: n, rng: &rng)
        for b in 0..<(w6.count / 210) { for i in 0..<192 { w6[b * 210 + i] = 0xFF } }  // ql, qh: every value 63
        let native = String(cString: dc_kernel_isa())
        for (name, type, w) in [("Q4_K_X8", x8, packed), ("Q6_K", q6k, w6)] {
            for ntok in [1, 8] {
                let x = (0..<ntok).flatMap { t in Self.q8KBlocksAtTheBound(n: n, scale: 0.01 * Float(t + 1)) }
                XCTAssertEqual(x.count, ntok * dc_row_bytes(Int32(DC_TYPE_Q8_K), Int64(n)))
                let portable = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows, portable: true)
                let fast = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows)
                dc_force_avx2(1)
                let avx2 = matmul(type, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows)
                dc_force_avx2(0)
                for i in 0..<(rows * ntok) {
                    XCTAssertEqual(avx2[i], portable[i], accuracy: 1e-5 * max(1, abs(portable[i])), "\(name) ntok \(ntok) index \(i)")
                    if native == "avx512vnni" {
                        XCTAssertEqual(avx2[i].bitPattern, fast[i].bitPattern, "\(name) ntok \(ntok) index \(i): AVX2 \(avx2[i]) vs VNNI \(fast[i])")
                    }
                }
            }
        }
    }

    /// Q4_K repacked 8 rows at a time (DC_TYPE_Q4_K_X8, what the model runs for its Q4_K matrices): the
    /// fast paths equal the portable one to the bit (both follow llama.cpp's gemm/gemv order), as does the
    /// SIMD path for plain Q4_K (it packs its own tiles), the portable one agrees with plain Q4_K's, and row
    /// ranges that cut a group of 8 write exactly their rows.
    func testRepackedQ4_KOnModelTensor() throws {
        let path = try TestModels.require(TestModels.qwenModel)
        let file = try GGUFFile(path: path)
        let t = try XCTUnwrap(file.tensors.first { $0.type == .q4_K && $0.dimensions.count == 2 })
        let n = t.rowLength, rows = 64
        let w = [UInt8](UnsafeRawBufferPointer(start: file.data(of: t), count: rows * t.rowBytes))
        let x8 = Int32(DC_TYPE_Q4_K_X8), q4 = Int32(DC_TYPE_Q4_K)
        var packed = [UInt8](repeating: 0, count: rows * dc_row_bytes(x8, Int64(n)))
        w.withUnsafeBytes { src in packed.withUnsafeMutableBytes { dst in
            dc_repack_q4_K_x8(src.baseAddress!, t.rowBytes, Int64(rows), Int64(n), dst.baseAddress!) } }
        XCTAssertNotEqual(packed, [UInt8](repeating: 0, count: packed.count))
        var rng = Rng(state: 17)
        let simd = String(cString: dc_kernel_isa()) != "portable"  // the portable Q4_K path sums in vec_dot order
        for ntok in [1, 4, 7, 9] {  // gemv only; gemm only; gemm + 3 gemv; gemm + 1 gemv
            let x = activations(q4, n: n, ntok: ntok, rng: &rng)
            let fast = matmul(x8, n: n, w: packed, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows)
            let portable = matmul(x8, n: n, w: packed, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows, portable: true)
            let plain = matmul(q4, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows, portable: true)
            let fastPlain = matmul(q4, n: n, w: w, rows: rows, x: x, ntok: ntok, r0: 0, r1: rows)
            for i in 0..<fast.count {
                XCTAssertEqual(fast[i], portable[i], "ntok \(ntok) index \(i): repacked fast vs portable")
                if simd { XCTAssertEqual(fastPlain[i], fast[i], "ntok \(ntok) index \(i): plain Q4_K fast path packs its own tiles") }
                XCTAssertEqual(Double(portable[i]), Double(plain[i]), accuracy: 1e-4 * max(1, abs(Double(plain[i]))))
            }
            let part = matmul(x8, n: n, w: packed, rows: rows, x: x, ntok: ntok, r0: 5, r1: 43)
            for tok in 0..<ntok {
                for r in 0..<rows {
                    let v = part[tok * rows + r]
                    if r < 5 || r >= 43 { XCTAssertTrue(v.isNaN, "row \(r) outside [5, 43) was written") }
                    else { XCTAssertEqual(v, fast[tok * rows + r]) }
                }
            }
        }
    }

    /// Attention and SwiGLU: the vectorised kernels give bit-identical results to the scalar ones.
    func testAttentionAndSwigluFastEqualPortable() {
        var rng = Rng(state: 11)
        let hd = 64, ctx = 200
        let k = (0..<(ctx * hd)).map { _ in dc_f32_to_f16(rng.float() * 2) }
        let v = (0..<(ctx * hd)).map { _ in dc_f32_to_f16(rng.float() * 2) }
        let q = (0..<hd).map { _ in rng.float() * 3 }
        var ws = [Float](repeating: 0, count: Int(dc_attention_workspace(Int64(hd), Int64(ctx))))
        func run(_ positions: Int, _ batched: Int32, portable: Bool) -> [Float] {
            var out = [Float](repeating: .nan, count: hd)
            dc_force_portable(portable ? 1 : 0)
            defer { dc_force_portable(0) }
            dc_attention_head(q, Int64(hd), k, Int64(hd), v, Int64(hd), Int64(positions), 0.125, batched, &ws, &out)
            return out
        }
        for positions in [1, 15, 16, 17, 100, 200] {
            for batched: Int32 in [0, 1] {
                let a = run(positions, batched, portable: false), b = run(positions, batched, portable: true)
                XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), "attention positions \(positions) batched \(batched)")
            }
        }
        let n = 1000
        let g = (0..<n).map { i in rng.float() * Float(1 + i % 40) }, u = (0..<n).map { _ in rng.float() }
        var y1 = [Float](repeating: 0, count: n), y2 = y1
        dc_swiglu(Int64(n), g, u, &y1)
        dc_force_portable(1)
        dc_swiglu(Int64(n), g, u, &y2)
        dc_force_portable(0)
        XCTAssertEqual(y1.map(\.bitPattern), y2.map(\.bitPattern), "swiglu")
    }

    /// Prompt attention of a group of queries over one KV head gives, for each query, exactly the bits
    /// of the portable per-head kernel (batched order), with the vector kernels and portably: for
    /// widths that exercise every tail (values not a multiple of 64 or of 8), queries that see fewer
    /// positions than a vector or than a converted block, exactly one or several blocks, and one query
    /// whose scores spread far enough to reach the exponential's slow path.
    func testGroupedPromptAttentionEqualsPerHeadAttention() {
        var rng = Rng(state: 23)
        let ctx = 300
        for (hk, hv) in [(64, 64), (128, 128), (64, 44), (64, 70), (32, 44), (16, 70)] {
            let ks = hk * 2 + 3, vs = hv + 5  // rows wider than one head, as in a multi-head cache
            let k = (0..<(ctx * ks)).map { _ in dc_f32_to_f16(rng.float() * 2) }
            let v = (0..<(ctx * vs)).map { _ in dc_f32_to_f16(rng.float() * 2) }
            let heads = 3
            let counts: [Int64] = [1, 7, 8, 9, 64, 128, 129, 256, 257, 300]
            let tokens = counts.count
            let qts = heads * hk + 1, ots = heads * hv + 2
            // the last token's queries are 400 times larger: scores hundreds apart
            let q = (0..<(tokens * qts)).map { i in rng.float() * (i / qts == tokens - 1 ? 1200 : 3) }
            var ws = [Float](repeating: .nan, count: Int(dc_attention_group_workspace(Int64(hk), Int64(hv), Int64(ctx), Int64(tokens * heads))))
            var single = [Float](repeating: 0, count: Int(dc_attention_workspace_kv(Int64(hk), Int64(hv), Int64(ctx))))
            for portable in [false, true] {
                dc_force_portable(portable ? 1 : 0)
                var grouped = [Float](repeating: .nan, count: tokens * ots)
                dc_attention_group(q, Int64(qts), Int64(hk), Int64(tokens), Int64(heads), counts, Int64(hk), k, Int64(ks),
                                   v, Int64(hv), Int64(vs), 0.125, &ws, &grouped, Int64(ots), Int64(hv))
                dc_force_portable(1)  // the reference: the scalar per-head kernel
                defer { dc_force_portable(0) }
                for t in 0..<tokens {
                    for h in 0..<heads {
                        var one = [Float](repeating: .nan, count: hv)
                        q.withUnsafeBufferPointer { qb in
                            dc_attention_head_kv(qb.baseAddress! + t * qts + h * hk, Int64(hk), k, Int64(ks), v, Int64(hv),
                                                 Int64(vs), counts[t], 0.125, 1, &single, &one)
                        }
                        let got = Array(grouped[(t * ots + h * hv)..<(t * ots + (h + 1) * hv)])
                        XCTAssertEqual(got.map(\.bitPattern), one.map(\.bitPattern),
                                       "hk \(hk) hv \(hv) token \(t) (\(counts[t]) positions) head \(h) portable \(portable)")
                    }
                    // the slots between heads and rows are not written
                    for i in (heads * hv)..<ots { XCTAssertTrue(grouped[t * ots + i].isNaN) }
                }
            }
        }
    }

    // MARK: - Conversions and helpers

    func testHalfAndBFloatConversions() {
        // every finite half survives f16 -> f32 -> f16
        for h in 0...UInt16.max where (h & 0x7C00) != 0x7C00 {
            XCTAssertEqual(dc_f32_to_f16(dc_f16_to_f32(h)), h)
        }
        XCTAssertEqual(dc_f16_to_f32(0x3C00), 1)
        XCTAssertEqual(dc_f16_to_f32(0xC000), -2)
        XCTAssertEqual(dc_f16_to_f32(0x0001), Float(5.9604645e-08))
        XCTAssertEqual(dc_f32_to_f16(65520), 0x7C00)          // rounds to infinity
        XCTAssertEqual(dc_f32_to_f16(1 + 1.0 / 2048), 0x3C00) // tie -> even
        XCTAssertEqual(dc_f32_to_f16(1 + 3.0 / 2048), 0x3C02) // tie -> even (up)
        XCTAssertEqual(dc_f32_to_bf16(1 + 1.0 / 256), 0x3F80) // tie -> even
        XCTAssertEqual(dc_f32_to_bf16(1 + 3.0 / 256), 0x3F82)
        XCTAssertEqual(dc_bf16_to_f32(0x3F80), 1)
        var rng = Rng(state: 3)
        var xs = (0..<1000).map { _ in rng.float() * 70000 }
        xs += (0..<1000).map { _ in rng.float() * 1e-5 }  // subnormal halves
        var halves = [UInt16](repeating: 0, count: xs.count)
        var back = [Float](repeating: 0, count: xs.count)
        dc_f32_to_f16_row(xs, &halves, Int64(xs.count))
        dc_f16_to_f32_row(halves, &back, Int64(xs.count))
        for i in 0..<xs.count {
            XCTAssertEqual(halves[i], dc_f32_to_f16(xs[i]), "row conversion of \(xs[i])")
            XCTAssertEqual(back[i], dc_f16_to_f32(halves[i]))
            #if !(os(macOS) && arch(x86_64))
            XCTAssertEqual(halves[i], Float16(xs[i]).bitPattern, "IEEE rounding of \(xs[i])")
            #endif
        }
    }

    func testVectorHelpers() {
        var rng = Rng(state: 17)
        let n = 1003
        let x = (0..<n).map { _ in rng.float() }
        var y = (0..<n).map { _ in rng.float() }
        let y0 = y
        dc_axpy_f32(Int64(n), 0.5, x, &y)
        for i in 0..<n { XCTAssertEqual(y[i], y0[i] + 0.5 * x[i], accuracy: 1e-6) }
        let xh = x.map { dc_f32_to_f16($0) }
        y = y0
        dc_axpy_f16(Int64(n), -2, xh, &y)
        for i in 0..<n { XCTAssertEqual(y[i], y0[i] - 2 * dc_f16_to_f32(xh[i]), accuracy: 1e-6) }
        let dot = dc_dot_f32(Int64(n), x, y0)
        let ref = (0..<n).reduce(0.0) { $0 + Double(x[$1]) * Double(y0[$1]) }
        XCTAssertEqual(Double(dot), ref, accuracy: 1e-4)
    }

    func testTypeTable() {
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q4_0)), 18)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q4_1)), 20)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q5_0)), 22)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q5_1)), 24)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q8_0)), 34)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q8_1)), 36)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q4_K)), 144)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q5_K)), 176)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q6_K)), 210)
        XCTAssertEqual(dc_block_bytes(Int32(DC_TYPE_Q8_K)), 292)
        XCTAssertEqual(dc_row_bytes(Int32(DC_TYPE_Q5_0), 896), 616)
        XCTAssertEqual(dc_vec_dot_type(Int32(DC_TYPE_Q5_1)), Int32(DC_TYPE_Q8_1))
        XCTAssertEqual(dc_vec_dot_type(Int32(DC_TYPE_Q6_K)), Int32(DC_TYPE_Q8_K))
        XCTAssertEqual(dc_type_supported(10), 0)  // Q2_K is not supported
        XCTAssertEqual(dc_block_elements(10), 0)
    }
}
