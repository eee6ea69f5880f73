// Aerie — a min-heap of connection deadlines
// SPDX-License-Identifier: MIT

/// A binary min-heap of `(deadline, connection id)` entries, one per event loop.
///
/// Entries are never removed early. A connection records its real deadline and the earliest entry
/// it has in the heap; when an entry pops, the loop compares it with the connection's current
/// state and either fires, re-arms with the later deadline, or drops a stale entry. Moving a
/// deadline later (the keep-alive fast path) therefore costs no heap operation.
struct DeadlineHeap {
    struct Entry {
        var deadline: UInt64
        var connectionID: UInt64
    }

    private var entries: [Entry] = []

    var isEmpty: Bool { entries.isEmpty }
    var count: Int { entries.count }
    var earliest: UInt64? { entries.first?.deadline }

    mutating func push(_ deadline: UInt64, _ connectionID: UInt64) {
        entries.append(Entry(deadline: deadline, connectionID: connectionID))
        var i = entries.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            if entries[parent].deadline <= entries[i].deadline { break }
            entries.swapAt(parent, i)
            i = parent
        }
    }

    /// Removes and returns the earliest entry if it is due at `now`.
    mutating func popDue(_ now: UInt64) -> Entry? {
        guard let first = entries.first, first.deadline <= now else { return nil }
        let last = entries.removeLast()
        if !entries.isEmpty {
            entries[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < entries.count && entries[l].deadline < entries[m].deadline { m = l }
                if r < entries.count && entries[r].deadline < entries[m].deadline { m = r }
                if m == i { break }
                entries.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
