// Aerie — the multipart parser entry point shared by the fuzz target and the unit tests
// SPDX-License-Identifier: MIT

/// Drives `MultipartParser` the way a caller keeping unconsumed bytes does, and checks that
/// chunking never changes the result. `Tests/Fuzz/MultipartParserFuzz.swift` and the unit tests call it.
package enum MultipartFuzzEntry {
    /// The boundary the fuzz target uses (short, so the fuzzer finds it quickly).
    package static let fuzzBoundary = Array("b0und".utf8)

    /// Small limits so fuzzing reaches every limit branch quickly.
    package static var fuzzLimits: MultipartParser.Limits {
        var limits = MultipartParser.Limits()
        limits.maxParts = 8
        limits.maxHeaderBytesPerPart = 256
        limits.maxFieldBytes = 512
        limits.maxFileBytes = 1024
        limits.maxTotalBytes = 4096
        return limits
    }

    /// Everything the parser produced from one input.
    package struct Outcome {
        /// Parts in order, with their concatenated bodies; the last may be unfinished.
        package var parts: [(head: MultipartPartHead, body: [UInt8], isComplete: Bool)] = []
        /// Whether `.end` was reported.
        package var sawEnd = false
        /// The error that stopped parsing (including `truncatedBody` from `finish()`).
        package var error: MultipartError?
        /// The most bytes the caller had to keep between calls.
        package var maxRetained = 0

        /// A canonical text form, for comparing runs.
        package var transcript: [String] {
            var lines: [String] = parts.map { part in
                let h = part.head
                let headers = h.headers.map { "\($0.name)=\($0.value)" }.joined(separator: "|")
                return "part name=\(h.name) filename=\(h.filename ?? "nil") type=\(h.contentType ?? "nil") h=\(headers)"
                    + " body=\(Self.hex(part.body)) complete=\(part.isComplete)"
            }
            if sawEnd { lines.append("end") }
            if let error { lines.append("error \(error.reason)") }
            return lines
        }

        private static func hex(_ b: [UInt8]) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var out = [UInt8]()
            out.reserveCapacity(b.count * 2)
            for c in b { out.append(digits[Int(c >> 4)]); out.append(digits[Int(c & 15)]) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Feeds `input` in pieces ending at `chunkEnds` (ascending; the end of input is implied), keeping
    /// unconsumed bytes, then calls `finish()`.
    package static func drive(_ input: UnsafeRawBufferPointer, chunkEnds: [Int], boundary: [UInt8] = fuzzBoundary,
                              limits: MultipartParser.Limits = fuzzLimits) -> Outcome {
        var outcome = Outcome()
        var parser: MultipartParser
        do throws(MultipartError) {
            parser = try MultipartParser(boundary: boundary, limits: limits)
        } catch {
            outcome.error = error
            return outcome
        }
        var pending: [UInt8] = []
        var previous = 0
        for end in chunkEnds + [input.count] where end > previous && end <= input.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[previous..<end]))
            previous = end
            var consumedTotal = 0
            pending.withUnsafeBytes { all in
                while true {
                    let rest = UnsafeRawBufferPointer(rebasing: all[consumedTotal...])
                    let event: MultipartParser.Event?
                    let used: Int
                    do throws(MultipartError) {
                        (event, used) = try parser.next(rest)
                    } catch {
                        outcome.error = error
                        return
                    }
                    precondition(used >= 0 && used <= rest.count, "consumed out of range")
                    guard let event else {
                        consumedTotal += used
                        return
                    }
                    switch event {
                    case .partBegin(let head):
                        outcome.parts.append((head, [], false))
                    case .bodyChunk(let range):
                        precondition(!range.isEmpty && range.upperBound <= used, "body range outside consumed input")
                        precondition(!outcome.parts.isEmpty && !outcome.parts[outcome.parts.count - 1].isComplete, "body outside a part")
                        outcome.parts[outcome.parts.count - 1].body.append(contentsOf: UnsafeRawBufferPointer(rebasing: rest[range]))
                    case .partEnd:
                        precondition(!outcome.parts.isEmpty, "partEnd without a part")
                        outcome.parts[outcome.parts.count - 1].isComplete = true
                    case .end:
                        outcome.sawEnd = true
                    }
                    consumedTotal += used
                }
            }
            if outcome.error != nil { return outcome }
            pending.removeFirst(consumedTotal)
            outcome.maxRetained = max(outcome.maxRetained, pending.count)
        }
        do throws(MultipartError) {
            try parser.finish()
        } catch {
            outcome.error = error
        }
        return outcome
    }

    /// The most bytes a caller may have to keep between calls under `limits`: one partial header
    /// line, or a partial delimiter with its transport padding.
    package static func retentionBound(_ limits: MultipartParser.Limits) -> Int {
        max(limits.maxHeaderBytesPerPart, 2 + 72 + 256 + 2)
    }

    /// Parses `bytes` (the first byte seeds the split points, the rest is the body) whole, byte by
    /// byte (for short inputs) and in pseudo-random splits, and traps unless all runs agree.
    package static func run(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let body = UnsafeRawBufferPointer(rebasing: bytes[1...])
        let limits = fuzzLimits
        let whole = drive(body, chunkEnds: [])
        let expected = whole.transcript
        precondition(whole.maxRetained <= retentionBound(limits), "kept \(whole.maxRetained) bytes")
        var rng = SplitMix64(seed: UInt64(first) &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(body.count))
        for _ in 0..<3 {
            let splits = HTTPParserFuzzEntry.randomSplits(count: body.count, using: &rng)
            let other = drive(body, chunkEnds: splits)
            precondition(other.transcript == expected, "chunking changed the parse:\n\(expected)\nvs\n\(other.transcript)")
            precondition(other.maxRetained <= retentionBound(limits), "kept \(other.maxRetained) bytes")
        }
        if body.count <= 2048 {
            let byteByByte = drive(body, chunkEnds: Array(0..<body.count))
            precondition(byteByByte.transcript == expected, "byte-by-byte changed the parse:\n\(expected)\nvs\n\(byteByByte.transcript)")
        }
    }
}
