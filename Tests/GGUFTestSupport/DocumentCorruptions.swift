/// Well-formed but wrong files: edits of a `GGUFDocument` that the encoder writes out consistently, so
/// the damage reaches past the byte-level checks into the model and tokenizer loaders (a Q8_1 weight
/// with exactly the bytes Q8_1 needs, a negative rope dimension, a vocabulary one token short, …).
enum DocumentCorruptions {
    /// Applies one random edit and says what it did.
    static func apply(to doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        // earlier edits of the same case may have emptied a list
        guard !doc.metadata.isEmpty, !doc.tensors.isEmpty else { return setVersion(&doc, using: &rng) }
        switch rng.int(0..<22) {
        case 0..<7: return setMetadataValue(&doc, using: &rng)
        case 20, 21: return setSizeValue(&doc, using: &rng)
        case 7: return removeOrDuplicateMetadata(&doc, using: &rng)
        case 8: return renameMetadataKey(&doc, using: &rng)
        case 9: return setAlignment(&doc, using: &rng)
        case 10, 11: return setTensorType(&doc, using: &rng)
        case 12, 13: return setTensorDimensions(&doc, using: &rng)
        case 14: return removeDuplicateOrRenameTensor(&doc, using: &rng)
        case 15: return setTensorOffset(&doc, using: &rng)
        case 16: return editTokenizerArrays(&doc, using: &rng)
        case 17: return setTokenID(&doc, using: &rng)
        case 18: return swapTensorShapes(&doc, using: &rng)
        default: return setVersion(&doc, using: &rng)
        }
    }

    // MARK: Metadata

    static func setMetadataValue(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        // half the time one of the keys the loaders read (the architecture's and the tokenizer's)
        let read = doc.metadata.indices.filter { !doc.metadata[$0].key.hasPrefix("test.") }
        let i = rng.chance(0.5) && !read.isEmpty ? rng.pick(read) : rng.int(0..<doc.metadata.count)
        let old = doc.metadata[i].value
        let new = value(replacing: old, using: &rng)
        doc.metadata[i].value = new
        return "metadata '\(doc.metadata[i].key)' := \(summary(new))"
    }

    /// One of the integer sizes the loaders read (block count, widths, head counts and sizes, rope
    /// dimensions, context length, vocabulary size, token ids) set to a hostile integer of a random type.
    static func setSizeValue(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let sizes = doc.metadata.indices.filter {
            !doc.metadata[$0].key.hasPrefix("test.") && doc.metadata[$0].value.integerBitPattern != nil
        }
        guard !sizes.isEmpty else { return setMetadataValue(&doc, using: &rng) }
        let i = rng.pick(sizes)
        let original = doc.metadata[i].value.integerBitPattern ?? 0
        let n: UInt64 = rng.chance(0.5)
            ? rng.pick([0 &- original, 0, 1, original &+ 1, original &- 1, original &* 2, original / 2,
                        UInt64(bitPattern: -1), UInt64(bitPattern: -2), 1 << 31, 1 << 32, 1 << 62, 1 << 63])
            : InterestingValues.integer(near: original, using: &rng)
        let v: GGUFTestValue = rng.pick([
            .int32(Int32(truncatingIfNeeded: n)), .int64(Int64(bitPattern: n)), .int16(Int16(truncatingIfNeeded: n)),
            .int8(Int8(truncatingIfNeeded: n)), .uint32(UInt32(truncatingIfNeeded: n)), .uint64(n),
        ])
        doc.metadata[i].value = v
        return "metadata '\(doc.metadata[i].key)' := \(summary(v))"
    }

    static func removeOrDuplicateMetadata(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.metadata.count)
        let key = doc.metadata[i].key
        if rng.chance(0.6) {
            doc.metadata.remove(at: i)
            return "metadata '\(key)' removed"
        }
        doc.metadata.insert(doc.metadata[i], at: rng.int(0..<(doc.metadata.count + 1)))
        return "metadata '\(key)' duplicated"
    }

    static func renameMetadataKey(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.metadata.count)
        let old = doc.metadata[i].key
        let newKey: [UInt8] = rng.pick([
            [], Array("general.alignment".utf8), Array(doc.metadata[rng.int(0..<doc.metadata.count)].keyBytes),
            Array(old.utf8) + [0x0A, 0x1B], [0xFF, 0xFE, 0x80], Array(old.utf8.dropLast()),
            [UInt8](repeating: 0x41, count: 5000),
        ])
        doc.metadata[i].keyBytes = newKey
        return "metadata key '\(old)' renamed to \(newKey.count) bytes"
    }

    static func setAlignment(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let valid: [Int] = [1, 8, 64, 4096]
        if rng.chance(0.3) {
            // a different valid alignment: the file is laid out with it
            let a = rng.pick(valid)
            doc.alignment = a
            doc["general.alignment"] = .uint32(UInt32(a))
            return "alignment \(a) (valid)"
        }
        let v: GGUFTestValue = rng.pick([
            .uint32(0), .uint32(3), .uint32(48), .uint32(1 << 21), .uint32(1 << 31), .uint32(UInt32.max),
            .int32(-32), .uint64(1 << 40), .uint64(UInt64.max), .float32(32), .string("32"), .bool(true), .int8(-128),
        ])
        doc["general.alignment"] = v
        return "general.alignment := \(summary(v))"
    }

    static func setVersion(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        doc.version = rng.pick([0, 1, 2, 4, UInt32.max])
        return "version \(doc.version)"
    }

    /// A replacement for a metadata value: the same type with a hostile value, or another type.
    static func value(replacing old: GGUFTestValue, using rng: inout FuzzRandom) -> GGUFTestValue {
        if case .array(let elementType, let items) = old, rng.chance(0.7) {
            return array(replacing: elementType, items, using: &rng)
        }
        if case .string(let s) = old, rng.chance(0.6) { return .string(string(replacing: s, using: &rng)) }
        let n = InterestingValues.integer(near: old.integerBitPattern ?? 2, using: &rng)
        switch rng.int(0..<15) {
        case 0: return .uint8(UInt8(truncatingIfNeeded: n))
        case 1: return .int8(Int8(truncatingIfNeeded: n))
        case 2: return .uint16(UInt16(truncatingIfNeeded: n))
        case 3: return .int16(Int16(truncatingIfNeeded: n))
        case 4: return .uint32(UInt32(truncatingIfNeeded: n))
        case 5, 6: return .int32(Int32(truncatingIfNeeded: n))
        case 7: return .uint64(n)
        case 8: return .int64(Int64(bitPattern: n))
        case 9: return .float32(Float(rng.pick(InterestingValues.floats)))
        case 10: return .float64(rng.pick(InterestingValues.floats))
        case 11: return .bool(rng.pick([0, 1, 2, 255] as [UInt8]))
        case 12: return .string("\(Int64(bitPattern: n))")
        case 13: return .array(elementType: GGUFValueTypeID.array, [.int32s([1, 2]), .int32s([])])  // nested
        default: return .array(elementType: GGUFValueTypeID.uint32, [.uint32(UInt32(truncatingIfNeeded: n))])
        }
    }

    static func string(replacing s: [UInt8], using rng: inout FuzzRandom) -> [UInt8] {
        switch rng.int(0..<7) {
        case 0: return []
        case 1: return s + [0x0A] + Array("second line".utf8)
        case 2: return s + [0xC3]                            // cut UTF-8 sequence
        case 3: return [UInt8](repeating: 0x78, count: 70_000)
        case 4: return Array(s.prefix(rng.int(0..<(s.count + 1))))
        case 5: return Array("<|im_start|>".utf8)
        default:
            var t = s.isEmpty ? [0] : s
            t[rng.int(0..<t.count)] = UInt8(truncatingIfNeeded: rng.next())
            return t
        }
    }

    static func array(replacing elementType: UInt32, _ items: [GGUFTestValue], using rng: inout FuzzRandom) -> GGUFTestValue {
        var items = items
        switch rng.int(0..<8) {
        case 0: return .array(elementType: elementType, [])
        case 1: items.removeLast(min(items.count, rng.int(1..<4)))
        case 2: items += items.prefix(rng.int(1..<4))
        case 3:
            // declared element type differs from what is written
            return .array(elementType: InterestingValues.valueTypeID(using: &rng), items)
        case 4: return .array(elementType: GGUFValueTypeID.array, [.array(elementType: elementType, items)])
        case 5:
            if !items.isEmpty { items[rng.int(0..<items.count)] = value(replacing: items[0], using: &rng) }
        case 6:
            if !items.isEmpty { items[rng.int(0..<items.count)] = .string(string(replacing: [0x61], using: &rng)) }
        default:
            items.shuffle(using: &rng)
        }
        return .array(elementType: elementType, items)
    }

    // MARK: Tensors

    static func setTensorType(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.tensors.count)
        // favour the types that are readable but may not be multipliable (Q8_1, Q8_K) and the supported ones
        let id: UInt32 = rng.chance(0.5) ? rng.pick(GGMLBlockLayout.all.map(\.typeID) + [9, 15, 9, 15])
                                         : InterestingValues.tensorTypeID(using: &rng)
        doc.tensors[i].typeID = id
        var resized = "data kept"
        if let layout = GGMLBlockLayout.of(id), let bytes = layout.byteCount(doc.tensors[i].dimensions), bytes <= 8 << 20 {
            let elements = bytes / layout.blockBytes * layout.blockElements
            doc.tensors[i].data = layout.randomData(elements: elements, scale: 0.05, using: &rng)
            resized = "data rewritten"
        }
        return "tensor '\(doc.tensors[i].name)' type \(id) (\(resized))"
    }

    static func setTensorDimensions(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.tensors.count)
        var dims = doc.tensors[i].dimensions
        switch rng.int(0..<5) {
        case 0: dims.append(1)
        case 1: if dims.count > 1 { dims.removeLast() } else { dims.append(2) }
        case 2: dims = [dims.reduce(1, { $0 &* $1 })]                          // flattened
        case 3: dims += [1, 1, 1]                                             // 5 or more dimensions
        default:
            let k = rng.int(0..<dims.count)
            dims[k] = InterestingValues.integer(near: dims[k], using: &rng)
        }
        doc.tensors[i].dimensions = dims
        var resized = "data kept"
        if let layout = GGMLBlockLayout.of(doc.tensors[i].typeID), let bytes = layout.byteCount(dims), bytes <= 8 << 20,
           rng.chance(0.8) {
            let elements = bytes / layout.blockBytes * layout.blockElements
            doc.tensors[i].data = layout.randomData(elements: elements, scale: 0.05, using: &rng)
            resized = "data resized"
        }
        return "tensor '\(doc.tensors[i].name)' dimensions \(dims) (\(resized))"
    }

    static func removeDuplicateOrRenameTensor(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.tensors.count)
        let name = doc.tensors[i].name
        switch rng.int(0..<4) {
        case 0:
            doc.tensors.remove(at: i)
            return "tensor '\(name)' removed"
        case 1:
            doc.tensors.append(doc.tensors[i])
            return "tensor '\(name)' duplicated"
        case 2:
            let other = doc.tensors[rng.int(0..<doc.tensors.count)].nameBytes
            doc.tensors[i].nameBytes = other
            return "tensor '\(name)' renamed to '\(String(decoding: other, as: UTF8.self))'"
        default:
            doc.tensors[i].nameBytes = rng.pick([[], Array("blk.7.attn_q.weight".utf8), Array(name.utf8) + [0x0A], [0xFF, 0x00]])
            return "tensor '\(name)' renamed"
        }
    }

    static func setTensorOffset(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.tensors.count)
        let a = UInt64(doc.alignment)
        let offset: UInt64 = rng.pick([
            UInt64.max - a + 1, UInt64.max, 1 << 63, UInt64(Int64.max) - a + 1, UInt64(1) << 32,
            1, a + 1, 0, UInt64.max / a * a, 64 << 20,
        ])
        doc.tensors[i].offsetOverride = offset
        return "tensor '\(doc.tensors[i].name)' offset \(offset)"
    }

    static func swapTensorShapes(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let i = rng.int(0..<doc.tensors.count), j = rng.int(0..<doc.tensors.count)
        let (ti, tj) = (doc.tensors[i], doc.tensors[j])
        doc.tensors[i].dimensions = tj.dimensions
        doc.tensors[i].typeID = tj.typeID
        doc.tensors[i].data = tj.data
        doc.tensors[j].dimensions = ti.dimensions
        doc.tensors[j].typeID = ti.typeID
        doc.tensors[j].data = ti.data
        return "tensors '\(ti.name)' and '\(tj.name)' swap shapes"
    }

    // MARK: Tokenizer

    static func editTokenizerArrays(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let key = rng.pick(["tokenizer.ggml.tokens", "tokenizer.ggml.token_type", "tokenizer.ggml.merges"])
        guard case .array(let type, var items)? = doc[key], !items.isEmpty else { return "\(key) left as it is" }
        switch rng.int(0..<6) {
        case 0: items.removeLast(min(items.count, rng.int(1..<3)))
        case 1: items.append(items[rng.int(0..<items.count)])
        case 2:
            // token texts that are special, empty or not byte-level
            let k = rng.int(0..<items.count)
            items[k] = type == GGUFValueTypeID.string
                ? .string(rng.pick(["", "<|im_end|>", "<0xZZ>", "<0x4", " ", "a b c", "\u{1F600}", "Ġ", "\n"]))
                : .int32(rng.pick([0, 2, 3, 4, 5, 6, 7, -1, Int32.max]))
        case 3:
            // every token type the format knows, and garbage
            if key == "tokenizer.ggml.token_type" {
                for k in items.indices where rng.chance(0.3) { items[k] = .int32(Int32(rng.int(-2..<9))) }
            } else {
                items = items.map { _ in .string(rng.pick(["", " ", "x", "a b", "Ġ Ġ", "<|im_start|> a", "\u{FFFD} \u{FFFD}"])) }
            }
        case 4: items = Array(items.prefix(1))
        default: items.swapAt(rng.int(0..<items.count), rng.int(0..<items.count))
        }
        doc[key] = .array(elementType: type, items)
        return "\(key) edited to \(items.count) entries"
    }

    static func setTokenID(_ doc: inout GGUFDocument, using rng: inout FuzzRandom) -> String {
        let key = "tokenizer.ggml." + rng.pick(["bos_token_id", "eos_token_id", "eot_token_id", "eom_token_id",
                                                "padding_token_id", "unknown_token_id"])
        let count = doc["tokenizer.ggml.tokens"].flatMap { v -> Int? in
            if case .array(_, let items) = v { return items.count }
            return nil
        } ?? 0
        let v: GGUFTestValue = rng.pick([
            .uint32(UInt32(count)), .uint32(UInt32(count + 1)), .int32(-1), .uint32(UInt32.max), .uint64(1 << 40),
            .int64(Int64.min), .uint32(0), .float32(1), .string("1"),
        ])
        doc[key] = v
        return "\(key) := \(summary(v))"
    }

    static func summary(_ v: GGUFTestValue) -> String {
        switch v {
        case .string(let s): return "string of \(s.count) bytes"
        case .array(let t, let items): return "array of type \(t) × \(items.count)"
        case .float32(let f): return "float32 \(f)"
        case .float64(let f): return "float64 \(f)"
        case .bool(let b): return "bool byte \(b)"
        default: return "type \(v.typeID) value \(Int64(bitPattern: v.integerBitPattern ?? 0))"
        }
    }
}
