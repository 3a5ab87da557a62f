import CKernels

/// A 2-D weight tensor living in the mapped GGUF file: `rows` rows of `columns` elements of `type`.
/// Products are computed straight from the quantized blocks; nothing is dequantized up front.
public struct WeightMatrix: @unchecked Sendable {
    public let name: String
    public let type: GGMLType
    public let rows: Int
    public let columns: Int
    public let rowBytes: Int
    public let data: UnsafeRawPointer

    init(file: GGUFFile, name: String, rows expectedRows: Int? = nil, columns expectedColumns: Int) throws {
        guard let info = file.tensorInfo(name) else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' is missing")
        }
        guard info.dimensions.count <= 2, info.dimensions[0] == expectedColumns,
              expectedRows == nil || info.rowCount == expectedRows! else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has shape \(info.dimensions), expected [\(expectedColumns), \(expectedRows.map(String.init) ?? "any")]")
        }
        self.name = name
        type = info.type
        rows = info.rowCount
        columns = info.dimensions[0]
        rowBytes = info.rowBytes
        data = file.data(of: info)
    }

    /// Dequantizes one row into `out` (for embedding lookups).
    public func dequantizeRow(_ row: Int, into out: UnsafeMutablePointer<Float>) {
        precondition(row >= 0 && row < rows)
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
        guard info.elementCount == count else {
            throw GGUFError(file: file.url.path, reason: "tensor '\(name)' has \(info.elementCount) elements, expected \(count)")
        }
        var v = [Float](repeating: 0, count: count)
        v.withUnsafeMutableBufferPointer { dst in
            dc_dequantize_row(Int32(info.type.rawValue), file.data(of: info), dst.baseAddress!, Int64(count))
        }
        values = v
    }
}
