// Aerie — committed record changes and the feed that announces them
// SPDX-License-Identifier: MIT
public import AerieJSON
import Synchronization

/// One committed record write, as realtime subscribers learn of it.
public struct RecordChange: Sendable {
    /// What happened to the record; the raw values are PocketBase's `action` names.
    public enum Action: String, Sendable {
        case create, update, delete
    }

    /// What happened.
    public var action: Action
    /// The id of the record's collection.
    public var collectionID: String
    /// Every field of the record (hidden ones included) after the write; before it for deletes.
    public var values: [String: JSON]

    /// A change.
    public init(action: Action, collectionID: String, values: [String: JSON]) {
        self.action = action
        self.collectionID = collectionID
        self.values = values
    }
}

/// The seam between record writes and whoever wants to hear of them (the realtime broker).
/// Writers call `publish` only after their transaction committed; observers must return quickly
/// (hand the work to their own thread), since they run on the writer's thread.
public final class ChangeFeed: Sendable {
    private let observers = Mutex<[@Sendable ([RecordChange]) -> Void]>([])
    private let observed = Atomic<Bool>(false)

    /// An empty feed.
    public init() {}

    /// Adds an observer for every later batch of committed changes.
    public func observe(_ observer: @escaping @Sendable ([RecordChange]) -> Void) {
        observers.withLock { $0.append(observer) }
        observed.store(true, ordering: .releasing)
    }

    /// Whether anyone listens; writers skip building changes when nobody does.
    public var isObserved: Bool { observed.load(ordering: .acquiring) }

    /// Announces committed changes (call after the commit, once per transaction).
    public func publish(_ changes: [RecordChange]) {
        guard !changes.isEmpty, isObserved else { return }
        let all = observers.withLock { $0 }
        for observer in all { observer(changes) }
    }
}

/// Changes made inside one open write transaction, published once it commits. Confined to the
/// thread running the transaction.
final class ChangeLog {
    var changes: [RecordChange] = []
    func append(_ change: RecordChange) { changes.append(change) }
}
