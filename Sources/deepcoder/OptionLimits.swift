import ArgumentParser
import Foundation
import Scaffold

/// The ranges of the numeric options, checked in one place for every command. A value outside its
/// range is a usage error (exit 2) whose message names the flag, its range and the value given.
enum OptionLimits {
    /// Engine threads: each one is a spinning worker with its own stack, so more than a few per core only
    /// slows generation down; 256 is far above any machine deepcoder runs on.
    static let threads = 1...256

    static func checkThreads(_ threads: Int?) throws {
        guard let t = threads, !Self.threads.contains(t) else { return }
        throw ValidationError("--threads must be between \(Self.threads.lowerBound) and \(Self.threads.upperBound) (got \(t)); "
            + "this machine has \(ProcessInfo.processInfo.activeProcessorCount) cores, and leaving --threads out uses them all")
    }

    /// The sampling values of `generate` (SamplingFlags), `new` and `regen` (GenerationFlags).
    static func checkSampling(temperature: Double, topK: Int, topP: Double, minP: Double, repeatPenalty: Double) throws {
        if !(temperature.isFinite && temperature >= 0) {
            throw ValidationError("--temperature must be a finite number of 0 or more (got \(temperature)); 0 picks the most likely token")
        }
        if topK < 0 {
            throw ValidationError("--top-k must be 0 or more (got \(topK)); 0 keeps every token")
        }
        if !(topP > 0 && topP <= 1) {
            throw ValidationError("--top-p must be in (0, 1], above 0 and at most 1 (got \(topP)); 1 keeps every token")
        }
        if !(minP >= 0 && minP <= 1) {
            throw ValidationError("--min-p must be in [0, 1] (got \(minP)); 0 keeps every token")
        }
        if !(repeatPenalty.isFinite && repeatPenalty > 0) {
            throw ValidationError("--repeat-penalty must be a finite number above 0 (got \(repeatPenalty)); 1 is no penalty")
        }
    }
}

/// What `new` takes as a description (and `regen` as --spec or --instruction): UTF-8 text of a size
/// whose prompts and answers fit the model's context.
enum DescriptionInput {
    /// 8192 bytes are about 2,000 tokens; the prompts add the plan and the files to the description, and
    /// each answer needs up to --max-tokens (2048) more, within deepcoder's context of 8192 tokens.
    static let maxBytes = 8192
    /// Reading stops here, so that a file like /dev/zero cannot fill the memory.
    static let readLimit = 16 << 20

    /// Refuses text longer than `maxBytes`, with its size and the limit.
    static func checkSize(_ text: String, what: String) throws -> String {
        let bytes = text.utf8.count
        guard bytes <= maxBytes else {
            throw ScaffoldError.usage("\(what) is \(bytes) bytes; deepcoder takes at most \(maxBytes) bytes, so that the prompts built "
                + "around it and the answers fit the model's context. Shorten it to what the app must do.")
        }
        return text
    }

    /// All of `handle` (up to `readLimit`) as UTF-8 text; invalid UTF-8 is refused, never repaired.
    static func read(_ handle: FileHandle, what: String) throws -> String {
        var data = Data()
        do {
            while data.count <= readLimit, let chunk = try handle.read(upToCount: 1 << 16), !chunk.isEmpty {
                data.append(chunk)
            }
        } catch {
            throw ScaffoldError.usage("cannot read \(what): \(error.localizedDescription)")
        }
        if data.count > readLimit {
            throw ScaffoldError.usage("\(what) is more than \(readLimit) bytes; deepcoder takes at most \(maxBytes) bytes. Shorten it to what the app must do.")
        }
        return try decode(data, what: what)
    }

    /// `data` as UTF-8 text, or a usage error naming the first byte that is not UTF-8.
    static func decode(_ data: Data, what: String) throws -> String {
        if let text = String(validating: data, as: UTF8.self) { return text }
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while case .valid(let scalar) = parser.parseScalar(from: &bytes) { offset += scalar.count }
        throw ScaffoldError.usage("\(what) is not UTF-8 text (byte \(offset), counting from 0, is not valid UTF-8); "
            + "save it as UTF-8, e.g. with `iconv -f LATIN1 -t UTF-8`, and run again")
    }
}
