/// A GGUF file as plain values, for tests that write model files: metadata in file order and tensors
/// with their bytes. `GGUFEncoder` turns it into the bytes of a file. Nothing here checks that the
/// document makes sense: tests build broken documents on purpose.
public struct GGUFDocument: Sendable {
    public var version: UInt32 = 3
    public var metadata: [GGUFMetadataEntry]
    public var tensors: [GGUFTensorEntry]
    /// The data alignment the encoder lays tensors out with; written to the file only if the metadata
    /// has a `general.alignment` entry (which a test may set to anything).
    public var alignment: Int = 32

    public init(metadata: [GGUFMetadataEntry], tensors: [GGUFTensorEntry]) {
        self.metadata = metadata
        self.tensors = tensors
    }

    /// The value of the first entry named `key`.
    public subscript(key: String) -> GGUFTestValue? {
        get { metadata.first { $0.key == key }?.value }
        set {
            if let i = metadata.firstIndex(where: { $0.key == key }) {
                if let newValue { metadata[i].value = newValue } else { metadata.remove(at: i) }
            } else if let newValue {
                metadata.append(GGUFMetadataEntry(key, newValue))
            }
        }
    }

    public func tensorIndex(_ name: String) -> Int? { tensors.firstIndex { $0.name == name } }
}

public struct GGUFMetadataEntry: Sendable {
    /// Raw bytes, so a test can write a key that is not valid UTF-8.
    public var keyBytes: [UInt8]
    public var value: GGUFTestValue

    public init(_ key: String, _ value: GGUFTestValue) {
        keyBytes = Array(key.utf8)
        self.value = value
    }

    public var key: String { String(decoding: keyBytes, as: UTF8.self) }
}

/// One tensor: ggml type id (any number, supported or not), dimensions as stored (row length first)
/// and the data bytes. `offsetOverride` replaces the offset the encoder would compute.
public struct GGUFTensorEntry: Sendable {
    public var nameBytes: [UInt8]
    public var typeID: UInt32
    public var dimensions: [UInt64]
    public var data: [UInt8]
    public var offsetOverride: UInt64?

    public init(name: String, typeID: UInt32, dimensions: [UInt64], data: [UInt8]) {
        nameBytes = Array(name.utf8)
        self.typeID = typeID
        self.dimensions = dimensions
        self.data = data
    }

    public var name: String { String(decoding: nameBytes, as: UTF8.self) }
}

/// A metadata value with the GGUF value type ids. Arrays declare their element type separately from
/// the elements they hold, and a bool holds a raw byte, so a test can write what a reader must reject.
public indirect enum GGUFTestValue: Sendable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32), float32(Float)
    case bool(UInt8)
    case string([UInt8])
    case array(elementType: UInt32, [GGUFTestValue])
    case uint64(UInt64), int64(Int64), float64(Double)

    public static func string(_ s: String) -> GGUFTestValue { .string(Array(s.utf8)) }
    public static func bool(_ b: Bool) -> GGUFTestValue { .bool(b ? 1 : 0) }
    public static func strings(_ items: [String]) -> GGUFTestValue {
        .array(elementType: GGUFValueTypeID.string, items.map { .string($0) })
    }
    public static func int32s(_ items: [Int32]) -> GGUFTestValue {
        .array(elementType: GGUFValueTypeID.int32, items.map { .int32($0) })
    }

    /// The GGUF value type id this value is written with.
    public var typeID: UInt32 {
        switch self {
        case .uint8: return GGUFValueTypeID.uint8
        case .int8: return GGUFValueTypeID.int8
        case .uint16: return GGUFValueTypeID.uint16
        case .int16: return GGUFValueTypeID.int16
        case .uint32: return GGUFValueTypeID.uint32
        case .int32: return GGUFValueTypeID.int32
        case .float32: return GGUFValueTypeID.float32
        case .bool: return GGUFValueTypeID.bool
        case .string: return GGUFValueTypeID.string
        case .array: return GGUFValueTypeID.array
        case .uint64: return GGUFValueTypeID.uint64
        case .int64: return GGUFValueTypeID.int64
        case .float64: return GGUFValueTypeID.float64
        }
    }

    /// The value as a 64-bit integer (integers only).
    public var integerBitPattern: UInt64? {
        switch self {
        case .uint8(let v): return UInt64(v)
        case .int8(let v): return UInt64(bitPattern: Int64(v))
        case .uint16(let v): return UInt64(v)
        case .int16(let v): return UInt64(bitPattern: Int64(v))
        case .uint32(let v): return UInt64(v)
        case .int32(let v): return UInt64(bitPattern: Int64(v))
        case .uint64(let v): return v
        case .int64(let v): return UInt64(bitPattern: v)
        default: return nil
        }
    }
}

/// GGUF metadata value type ids (gguf.md's gguf_metadata_value_type).
public enum GGUFValueTypeID {
    public static let uint8: UInt32 = 0, int8: UInt32 = 1, uint16: UInt32 = 2, int16: UInt32 = 3
    public static let uint32: UInt32 = 4, int32: UInt32 = 5, float32: UInt32 = 6, bool: UInt32 = 7
    public static let string: UInt32 = 8, array: UInt32 = 9, uint64: UInt32 = 10, int64: UInt32 = 11
    public static let float64: UInt32 = 12
    /// Every id the format defines.
    public static let all: [UInt32] = Array(0...12)
}
