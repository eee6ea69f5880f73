// Aerie — the parser entry point shared by the fuzz target and the unit tests
// SPDX-License-Identifier: MIT

/// Drives `RequestParser` the way the event loop does and checks that chunking never changes the
/// result. The fuzz target (`Tests/Fuzz/HTTPParserFuzz.swift`) and the seed-corpus tests call `run`.
package enum HTTPParserFuzzEntry {
    /// Everything the parser produced from one input.
    package struct Outcome {
        /// Complete requests with their bodies, in order.
        package var requests: [(head: RequestHead, body: [UInt8])] = []
        /// A head whose body had not completed when input ended.
        package var partialHead: RequestHead?
        /// The error that stopped parsing, if any.
        package var error: HTTPParseError?
        /// Bytes left unconsumed at the end.
        package var leftover = 0

        /// A canonical text form, for comparing runs.
        package var transcript: [String] {
            var lines = requests.map { Self.describe($0.head) + " body=" + Self.hex($0.body) }
            if let partialHead { lines.append("partial " + Self.describe(partialHead)) }
            if let error { lines.append("error \(error)") }
            return lines
        }

        private static func describe(_ h: RequestHead) -> String {
            let headers = h.headers.map { "\($0.0)=\($0.1)" }.joined(separator: "|")
            let query = h.parts.query.map { "\($0.name)=\($0.value)" }.joined(separator: "&")
            return "\(h.method) \(h.target) path=\(h.parts.path) raw=\(h.parts.rawPath) q=\(query) h=\(headers) v=1.\(h.versionMinor)"
                + " ka=\(h.isKeepAlive) ec=\(h.expectsContinue) ch=\(h.isChunked) cl=\(h.contentLength)"
        }

        private static func hex(_ b: [UInt8]) -> String {
            let digits = Array("0123456789abcdef".utf8)
            var out = [UInt8]()
            for c in b { out.append(digits[Int(c >> 4)]); out.append(digits[Int(c & 15)]) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// Small limits so fuzzing reaches every limit branch quickly.
    package static var fuzzLimits: RequestParser.Limits {
        var limits = RequestParser.Limits()
        limits.maxRequestTargetBytes = 256
        limits.maxHeaderBytes = 2048
        limits.maxHeaderCount = 16
        limits.maxBodyBytes = 4096
        return limits
    }

    /// Feeds `input` in pieces ending at `chunkEnds` (ascending; the end of input is implied), keeping
    /// unconsumed bytes like the event loop does.
    package static func drive(_ input: UnsafeRawBufferPointer, chunkEnds: [Int], limits: RequestParser.Limits) -> Outcome {
        var parser = RequestParser(limits: limits)
        var outcome = Outcome()
        var pending: [UInt8] = []
        var head: RequestHead?
        var body: [UInt8] = []
        var previous = 0
        for end in chunkEnds + [input.count] where end > previous && end <= input.count {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: input[previous..<end]))
            previous = end
            var consumedTotal = 0
            var stop = false
            pending.withUnsafeBytes { all in
                while !stop {
                    let (event, used) = parser.next(UnsafeRawBufferPointer(rebasing: all[consumedTotal...]))
                    switch event {
                    case .needMoreData:
                        stop = true
                    case .head(let h):
                        head = h
                        body = []
                    case .body(let range):
                        body.append(contentsOf: UnsafeRawBufferPointer(rebasing: all[(consumedTotal + range.lowerBound)..<(consumedTotal + range.upperBound)]))
                    case .end:
                        if let h = head { outcome.requests.append((h, body)) }
                        head = nil
                        body = []
                    case .error(let e):
                        outcome.error = e
                        stop = true
                    }
                    consumedTotal += used
                }
            }
            pending.removeFirst(consumedTotal)
            if outcome.error != nil { break }
        }
        outcome.partialHead = head
        outcome.leftover = pending.count
        return outcome
    }

    /// Parses `bytes` whole, byte by byte (for short inputs) and in pseudo-random splits derived
    /// from the input, and traps unless all runs agree.
    package static func run(_ bytes: UnsafeRawBufferPointer) {
        let limits = fuzzLimits
        let whole = drive(bytes, chunkEnds: [], limits: limits).transcript
        var seed: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { seed = (seed ^ UInt64(b)) &* 0x100_0000_01b3 }
        var rng = SplitMix64(seed: seed)
        for _ in 0..<3 {
            let splits = randomSplits(count: bytes.count, using: &rng)
            let other = drive(bytes, chunkEnds: splits, limits: limits).transcript
            precondition(other == whole, "chunking changed the parse:\n\(whole)\nvs\n\(other)")
        }
        if bytes.count <= 4096 {
            let byteByByte = drive(bytes, chunkEnds: Array(0..<bytes.count), limits: limits).transcript
            precondition(byteByByte == whole, "byte-by-byte changed the parse:\n\(whole)\nvs\n\(byteByByte)")
        }
    }

    /// Ascending split points in `0..<count`.
    package static func randomSplits(count: Int, using rng: inout SplitMix64) -> [Int] {
        guard count > 1 else { return [] }
        var splits: [Int] = []
        var position = 0
        while true {
            position += 1 + Int(rng.next() % UInt64(min(count, 64)))
            if position >= count { break }
            splits.append(position)
        }
        return splits
    }
}

/// A tiny seeded generator (SplitMix64) so split points are reproducible.
package struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    /// A generator from `seed`.
    package init(seed: UInt64) { state = seed }
    /// The next value.
    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
