import CKernels

/// A 2-D weight tensor: `rows` rows of `columns` elements of `type`, in the model file's memory or
/// repacked for the kernels. Products are computed straight from the quantized blocks; nothing is
/// dequantized up front.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let rowBytes: Int
    /// What activations are converted to before a product with this matrix (`type.vecDotType`).
    public let vecDotType: GGMLType
    public let data: UnsafeRawPointer
    /// The layout the kernels read: `type`, or DC_TYPE_Q4_K_X8 after `repackedForKernels`.
    public let kernelType: Int32
    /// Owns `data` when it is not in the file (a repacked copy).
    private let storage: HugePageMemory?

    init(file: GGUFFile, name: String, rows expectedRows: Int? = nil, columns expectedColumns: Int) throws {
        guard let info = file.tensorInfo(name) else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' is missing")
        }
        guard info.dimensions.count <= 2, info.dimensions[0] == expectedColumns,
              expectedRows == nil || info.rowCount == expectedRows! else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has shape \(info.dimensions), expected [\(expectedColumns), \(expectedRows.map(String.init) ?? "any")]")
        }
        guard let vecDot = info.type.vecDotType else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has type \(info.type.name), which deepcoder does not read as model weights (ggml uses it for activations only)")
        }
        self.name = name
        vecDotType = vecDot
        type = info.type
        rows = info.rowCount
        columns = info.dimensions[0]
        rowBytes = info.rowBytes
        data = file.data(of: info)
        kernelType = Int32(type.rawValue)
        storage = nil
    }

    /// Matrix `index` of a 3-D tensor of `count` matrices of `rows` × `columns` (ggml shape [columns,
    /// rows, count]): one expert of an `ffn_*_exps` tensor, one head of `attn_k_b` / `attn_v_b`.
    init(file: GGUFFile, name: String, slice index: Int, of count: Int, rows: Int, columns: Int) throws {
        guard let info = file.tensorInfo(name) else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' is missing")
        }
        guard info.dimensions.count == 3, info.dimensions[0] == columns, info.dimensions[1] == rows,
              info.dimensions[2] == count, index >= 0, index < count else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has shape \(info.dimensions), expected [\(columns), \(rows), \(count)]")
        }
        guard let vecDot = info.type.vecDotType else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has type \(info.type.name), which deepcoder does not read as model weights (ggml uses it for activations only)")
        }
        self.name = "\(name)[\(index)]"
        vecDotType = vecDot
        type = info.type
        self.rows = rows
        self.columns = columns
        rowBytes = info.rowBytes
        data = file.data(of: info) + index * rows * info.rowBytes
        kernelType = Int32(type.rawValue)
        storage = nil
    }

    private init(_ m: WeightMatrix, kernelType: Int32, rowBytes: Int, data: UnsafeRawPointer, storage: HugePageMemory) {
        name = m.name
        type = m.type
        rows = m.rows
        columns = m.columns
        vecDotType = m.vecDotType
        self.rowBytes = rowBytes
        self.data = data
        self.kernelType = kernelType
        self.storage = storage
    }

    /// Whether `repacked(into:at:)` rearranges a tensor of this type and shape: Q4_K with whole groups of
    /// 8 rows (llama.cpp repacks the same ones): 2-D matrices, and the 3-D expert tensors of a mixture of
    /// experts (`*_exps`, which llama.cpp repacks for its MUL_MAT_ID), each expert separately. Other 3-D
    /// tensors (deepseek2's attn_k_b / attn_v_b, multiplied with MUL_MAT) stay as they are, as there.
    static func repacks(_ info: GGUFTensorInfo) -> Bool {
        guard info.type == .q4_K, info.rowCount % 8 == 0 else { return false }
        return info.dimensions.count == 2
            || (info.dimensions.count == 3 && info.dimensions[1] % 8 == 0 && info.name.hasSuffix("_exps.weight"))
    }

    /// Bytes `repacked(into:at:)` writes for such a tensor (2.8% more than the file's).
    static func repackedBytes(_ info: GGUFTensorInfo) -> Int {
        info.rowCount * dc_row_bytes(Int32(DC_TYPE_Q4_K_X8), Int64(info.dimensions[0]))
    }

    /// The matrix repacked 8 rows at a time (DC_TYPE_Q4_K_X8) into `memory` at byte `offset` (a multiple
    /// of 64; `repackedBytes` long): a generated token then reads each group of 8 rows as one stream and
    /// gets 8 rows' sums per vector (measured, 1 thread, n = 1536 from DRAM: 21 -> 24.6 GB/s of weights;
    /// prompt GEMM 137 -> 152 GMAC/s). Its rows can no longer be dequantized one by one.
    func repacked(into memory: HugePageMemory, at offset: Int) -> WeightMatrix {
        precondition(type == .q4_K && rows % 8 == 0 && offset % 64 == 0)
        let rb = dc_row_bytes(Int32(DC_TYPE_Q4_K_X8), Int64(columns))
        precondition(offset + rows * rb <= memory.count)
        let dst = memory.pointer + offset
        dc_repack_q4_K_x8(data, rowBytes, Int64(rows), Int64(columns), dst)
        return WeightMatrix(self, kernelType: Int32(DC_TYPE_Q4_K_X8), rowBytes: rb, data: UnsafeRawPointer(dst), storage: memory)
    }

    /// Dequantizes one row into `out` (for embedding lookups).
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows)
        precondition(kernelType == Int32(type.rawValue), "\(name) is repacked; its rows are not dequantized")
        dc_dequantize_row(Int32(type.rawValue), data + row * rowBytes, out, Int64(columns))
    }
}

/// A 1-D F32 tensor (norm weights, biases), copied out of the mapping (they are tiny).
public struct VectorWeight: Sendable {
    public let values: [Float]

    init(file: GGUFFile, name: String, count: Int) throws {
        guard let info = file.tensorInfo(name) else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' is missing")
        }
        // [count], or [count, 1, …] as some writers keep trailing dimensions of 1
        guard info.elementCount == count, info.dimensions[0] == count else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has shape \(info.dimensions), expected [\(count)]")
        }
        var v = [Float](repeating: 0, count: count)
        v.withUnsafeMutableBufferPointer { dst in
            dc_dequantize_row(Int32(info.type.rawValue), file.data(of: info), dst.baseAddress!, Int64(count))
        }
        values = v
    }
}
