/// Where one field of an encoded GGUF file sits, so a test can overwrite it in place.
public struct GGUFFieldLocation: Sendable {
    public enum Kind: String, CaseIterable, Sendable {
        case magic, version, tensorCount, metadataCount
        case keyLength, keyBytes, valueType, value, stringLength, stringBytes, arrayElementType, arrayLength
        case tensorNameLength, tensorNameBytes, tensorDimensionCount, tensorDimension, tensorType, tensorOffset
        case tensorData
    }

    public let kind: Kind
    public let offset: Int
    public let size: Int
    /// What the field belongs to, e.g. "llama.block_count" or "blk.0.attn_q.weight".
    public let owner: String
    /// For `.value`: the GGUF value type id of the scalar stored there.
    public let valueTypeID: UInt32?
}

/// Writes a `GGUFDocument` as GGUF bytes (little-endian, gguf.md's layout) and records where every
/// field went. Tensor data is laid out in document order at `alignment` boundaries unless a tensor
/// overrides its offset; an overridden offset does not move the data.
public struct GGUFEncoder: Sendable {
    public private(set) var bytes: [UInt8] = []
    public private(set) var fields: [GGUFFieldLocation] = []

    public init(_ document: GGUFDocument) {
        let alignment = max(1, document.alignment)
        put(0x4655_4747 as UInt32, .magic, "header")
        put(document.version, .version, "header")
        put(UInt64(document.tensors.count), .tensorCount, "header")
        put(UInt64(document.metadata.count), .metadataCount, "header")
        for entry in document.metadata {
            putString(entry.keyBytes, lengthKind: .keyLength, bytesKind: .keyBytes, owner: entry.key)
            put(entry.value.typeID, .valueType, entry.key)
            putValue(entry.value, owner: entry.key)
        }
        // Offsets relative to the data section, each tensor aligned.
        var offsets: [UInt64] = []
        var next = 0
        for t in document.tensors {
            next = (next + alignment - 1) / alignment * alignment
            offsets.append(UInt64(next))
            next += t.data.count
        }
        for (i, t) in document.tensors.enumerated() {
            putString(t.nameBytes, lengthKind: .tensorNameLength, bytesKind: .tensorNameBytes, owner: t.name)
            put(UInt32(t.dimensions.count), .tensorDimensionCount, t.name)
            for d in t.dimensions { put(d, .tensorDimension, t.name) }
            put(t.typeID, .tensorType, t.name)
            put(t.offsetOverride ?? offsets[i], .tensorOffset, t.name)
        }
        let dataStart = (bytes.count + alignment - 1) / alignment * alignment
        bytes += [UInt8](repeating: 0, count: dataStart - bytes.count)
        for (i, t) in document.tensors.enumerated() {
            let at = dataStart + Int(offsets[i])
            bytes += [UInt8](repeating: 0, count: at - bytes.count)
            fields.append(GGUFFieldLocation(kind: .tensorData, offset: at, size: t.data.count, owner: t.name, valueTypeID: nil))
            bytes += t.data
        }
    }

    /// The bytes of `document` as a file.
    public static func encode(_ document: GGUFDocument) -> [UInt8] { GGUFEncoder(document).bytes }

    private mutating func put<T: FixedWidthInteger>(_ v: T, _ kind: GGUFFieldLocation.Kind, _ owner: String,
                                                     valueTypeID: UInt32? = nil) {
        fields.append(GGUFFieldLocation(kind: kind, offset: bytes.count, size: MemoryLayout<T>.size, owner: owner,
                                        valueTypeID: valueTypeID))
        withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
    }

    private mutating func putString(_ s: [UInt8], lengthKind: GGUFFieldLocation.Kind, bytesKind: GGUFFieldLocation.Kind,
                                    owner: String) {
        put(UInt64(s.count), lengthKind, owner)
        if !s.isEmpty {
            fields.append(GGUFFieldLocation(kind: bytesKind, offset: bytes.count, size: s.count, owner: owner, valueTypeID: nil))
        }
        bytes += s
    }

    private mutating func putValue(_ value: GGUFTestValue, owner: String) {
        let t = value.typeID
        switch value {
        case .uint8(let v): put(v, .value, owner, valueTypeID: t)
        case .int8(let v): put(v, .value, owner, valueTypeID: t)
        case .uint16(let v): put(v, .value, owner, valueTypeID: t)
        case .int16(let v): put(v, .value, owner, valueTypeID: t)
        case .uint32(let v): put(v, .value, owner, valueTypeID: t)
        case .int32(let v): put(v, .value, owner, valueTypeID: t)
        case .float32(let v): put(v.bitPattern, .value, owner, valueTypeID: t)
        case .bool(let v): put(v, .value, owner, valueTypeID: t)
        case .uint64(let v): put(v, .value, owner, valueTypeID: t)
        case .int64(let v): put(v, .value, owner, valueTypeID: t)
        case .float64(let v): put(v.bitPattern, .value, owner, valueTypeID: t)
        case .string(let s): putString(s, lengthKind: .stringLength, bytesKind: .stringBytes, owner: owner)
        case .array(let elementType, let items):
            put(elementType, .arrayElementType, owner)
            put(UInt64(items.count), .arrayLength, owner)
            // elements carry no type of their own: the array's element type stands for all of them
            // (a nested array is its element type, length and elements)
            for item in items { putValue(item, owner: owner) }
        }
    }
}
