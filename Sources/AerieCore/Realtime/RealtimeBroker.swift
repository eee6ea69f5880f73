// Aerie — the realtime broker: clients, their subscriptions and rule-checked delivery
// SPDX-License-Identifier: MIT
import AerieBase
import AerieJSON
import Dispatch
import Synchronization

/// Where one realtime client's events go (an SSE stream, in AerieAPI).
public protocol RealtimeSink: Sendable {
    /// Queues bytes for the client without blocking; `false` when it is gone or too far behind.
    @discardableResult func send(_ bytes: [UInt8]) -> Bool
    /// Ends the client's connection.
    func close()
}

/// Realtime clients and their subscriptions; turns committed record changes into events
/// (spec §11).
///
/// Changes arrive from `RecordService.changes` after each commit; their subscribers are taken
/// at once, then rules and payloads are handled in that order on one broker thread, never on the
/// writer's. Subscribers are grouped by (record or collection topic, auth, options); groups that
/// differ only by auth share one set query for the rule, and groups that see the same JSON share
/// one serialization.
///
/// ```swift
/// let broker = RealtimeBroker(records: app.records)
/// let id = broker.connect(sink: stream, remoteAddress: ip)
/// try broker.setSubscriptions(clientID: id, topics: ["posts/*"], requester: who, remoteAddress: ip)
/// ```
public final class RealtimeBroker: Sendable {
    /// Most topics per client (PocketBase's limit).
    public static let maxTopics = 1000
    /// Longest topic (PocketBase's limit).
    public static let maxTopicLength = 2500
    /// Deliveries (one per subscriber and change) waiting for the broker thread; beyond this new
    /// changes are dropped (and logged) rather than letting memory grow (about 100 bytes each).
    static let maxPendingDeliveries = 1_000_000

    struct Client {
        let id: String
        let sink: any RealtimeSink
        let remoteAddress: String
        /// The auth bound by the first subscription request (guest until then).
        var auth: Requester = .guest
        /// The bound auth record's `tokenKey` when it was bound; a change of it unbinds the client.
        var tokenKey: String?
        var topics: [RealtimeTopic] = []
    }

    private struct State: ~Copyable {
        var clients: [String: Client] = [:]
        /// Topic (without options) → ids of clients subscribed to it.
        var index: [String: Set<String>] = [:]
        var pendingDeliveries = 0
    }

    let records: RecordService
    /// Applies a `fields` option to record JSON (the picker lives with the HTTP layer's `fields`).
    let selectFields: @Sendable ([UInt8], String) -> [UInt8]?
    private let state = Mutex(State())
    private let queue = DispatchQueue(label: "aerie.realtime")
    private let ruleQueries = Atomic<Int>(0)

    /// Rule queries run for events so far (a set query for many auths counts once); for tests.
    package var ruleQueryCount: Int { ruleQueries.load(ordering: .relaxed) }

    /// A broker fed by `records.changes`.
    /// - Parameter selectFields: prunes record JSON to a `fields` selection; nil leaves it whole.
    public init(records: RecordService, selectFields: @escaping @Sendable ([UInt8], String) -> [UInt8]? = { _, _ in nil }) {
        self.records = records
        self.selectFields = selectFields
        records.changes.observe { [weak self] changes in self?.enqueue(changes) }
    }

    // MARK: - Clients

    /// Registers a client and returns its id (40 random alphanumerics).
    public func connect(sink: any RealtimeSink, remoteAddress: String) -> String {
        let id = RandomID.make(length: 40, alphabet: RandomID.alphanumeric)
        state.withLock { $0.clients[id] = Client(id: id, sink: sink, remoteAddress: remoteAddress) }
        return id
    }

    /// Forgets a client (its connection ended).
    public func disconnect(_ clientID: String) {
        state.withLock { s in
            guard let client = s.clients.removeValue(forKey: clientID) else { return }
            Self.unindex(client, in: &s.index)
        }
    }

    /// Connected clients.
    public var clientCount: Int { state.withLock { $0.clients.count } }

    /// Deliveries queued for the broker thread and not yet made (producers may wait on it).
    var pendingDeliveryCount: Int { state.withLock { $0.pendingDeliveries } }

    /// Replaces a client's subscriptions and binds it to `requester` (spec §11.2). A guest client
    /// may become authenticated; an authenticated one may not change its auth.
    /// - Throws: `CoreError` 404 for an unknown client, 400 when the request comes from another
    ///   address than the connection, 403 when the auth differs from the bound one.
    public func setSubscriptions(clientID: String, topics: [String], requester: Requester, remoteAddress: String) throws {
        // Read before taking the lock: a rotated tokenKey (password or email change) later unbinds the client.
        let tokenKey = requester.recordID == nil || requester.isSuperuser ? nil
            : (try? records.authRecord(for: requester))??["tokenKey"]?.stringValue
        try state.withLock { s throws(CoreError) in
            guard var client = s.clients[clientID] else { throw CoreError.notFound("Missing or invalid client id.") }
            guard client.remoteAddress == remoteAddress else { throw CoreError.badRequest("Invalid realtime client.") }
            if client.auth != .guest && client.auth != requester {
                throw CoreError.forbidden("The current and the previous request authorization don't match.")
            }
            Self.unindex(client, in: &s.index)
            var seen = Set<String>()
            // A topic with a line break could forge SSE fields in the client's own stream: dropped.
            let parsed = topics.filter { !$0.isEmpty && !$0.contains(where: { $0 == "\n" || $0 == "\r" }) && seen.insert($0).inserted }
                .map(RealtimeTopic.init)
            if client.auth != requester { client.tokenKey = tokenKey }
            client.auth = requester
            client.topics = parsed
            for topic in parsed { s.index[topic.base, default: []].insert(clientID) }
            s.clients[clientID] = client
        }
    }

    /// The topics a client is subscribed to (for tests and diagnostics).
    public func topics(of clientID: String) -> [String]? {
        state.withLock { $0.clients[clientID]?.topics.map(\.raw) }
    }

    private static func unindex(_ client: Client, in index: inout [String: Set<String>]) {
        for topic in client.topics {
            index[topic.base]?.remove(client.id)
            if index[topic.base]?.isEmpty == true { index[topic.base] = nil }
        }
    }

    // MARK: - Delivery

    /// Called on the writer's thread right after the commit: the subscribers are taken now (so a
    /// subscription change acknowledged before the commit is honoured and one made after it is
    /// not); rule checks and sending happen on the broker thread.
    private func enqueue(_ changes: [RecordChange]) {
        var plans: [Plan] = []
        state.withLock { s in
            if s.clients.isEmpty { return }
            if s.pendingDeliveries > Self.maxPendingDeliveries {
                Log.warning("realtime: \(changes.count) record change(s) dropped, the broker is \(s.pendingDeliveries) deliveries behind")
                return
            }
            for change in changes {
                if let plan = Self.plan(change, schema: records.schema, state: &s) { plans.append(plan) }
            }
            s.pendingDeliveries += plans.reduce(0) { $0 + $1.size }
        }
        guard !plans.isEmpty else { return }
        let taken = plans
        queue.async { [self] in
            for plan in taken { deliver(plan) }
            let size = taken.reduce(0) { $0 + $1.size }
            state.withLock { $0.pendingDeliveries -= size }
        }
    }

    /// What a group of subscribers shares: the same answer from the rule and the same payload.
    private struct GroupKey: Hashable {
        var isRecordTopic: Bool
        var auth: Requester
        var optionsText: String
    }

    private struct Target {
        var clientID: String
        var sink: any RealtimeSink
        var topic: String
    }

    /// One change with the subscribers it reaches, grouped.
    private struct Plan {
        var change: RecordChange
        var collection: CompiledCollection
        var groups: [GroupKey: (options: RealtimeOptions, targets: [Target])]
        /// Subscribers reached (deliveries to make).
        var size: Int { groups.values.reduce(0) { $0 + $1.targets.count } }
    }

    /// The subscribers a change reaches, grouped; also drops the binding of clients whose auth
    /// record is being deleted. Runs under the state lock.
    private static func plan(_ change: RecordChange, schema: CompiledSchema, state s: inout State) -> Plan? {
        guard let c = schema.collection(change.collectionID) else { return nil }
        let recordID = change.values["id"]?.stringValue ?? ""
        if c.schema.isAuth && change.action != .create {
            // A deleted auth record, or one whose tokenKey rotated, no longer authorizes its clients:
            // they become guests until they subscribe again (spec §11.2).
            let tokenKey = change.values["tokenKey"]?.stringValue
            for (id, client) in s.clients where client.auth.isRecord(recordID, in: c.schema.id) {
                if change.action == .delete || (client.tokenKey != nil && client.tokenKey != tokenKey) {
                    s.clients[id]?.auth = .guest
                    s.clients[id]?.tokenKey = nil
                }
            }
        }
        var groups: [GroupKey: (options: RealtimeOptions, targets: [Target])] = [:]
        for (key, isRecordTopic) in RealtimeTopic.keys(collectionName: c.schema.name, collectionID: c.schema.id, recordID: recordID) {
            guard let ids = s.index[key] else { continue }
            for id in ids {
                guard let client = s.clients[id] else { continue }
                for topic in client.topics where topic.base == key {
                    let group = GroupKey(isRecordTopic: isRecordTopic, auth: client.auth, optionsText: topic.optionsText)
                    groups[group, default: (topic.options, [])].targets.append(Target(clientID: id, sink: client.sink, topic: topic.raw))
                }
            }
        }
        return groups.isEmpty ? nil : Plan(change: change, collection: c, groups: groups)
    }

    private func deliver(_ plan: Plan) {
        let change = plan.change, c = plan.collection, groups = plan.groups
        let verdicts = sharedVerdicts(change, of: c, groups: groups)
        let recordID = change.values["id"]?.stringValue ?? ""
        // Without `expand`, a record's JSON depends on the auth only through hidden fields
        // (superusers) and email visibility (the record's own auth): groups share it by that.
        struct Look: Hashable { var optionsText: String; var isSuperuser: Bool; var isSelf: Bool }
        var serialized: [Look: [UInt8]] = [:]
        for (key, group) in groups {
            guard allowed(change, of: c, for: key, options: group.options, verdict: verdicts[key]) else { continue }
            let look = Look(optionsText: key.optionsText, isSuperuser: key.auth.isSuperuser,
                            isSelf: key.auth.isRecord(recordID, in: c.schema.id))
            let data: [UInt8]
            if group.options.expand.isEmpty, let shared = serialized[look] {
                data = shared
            } else {
                guard let made = payload(change, of: c, for: key, options: group.options) else { continue }
                if group.options.expand.isEmpty { serialized[look] = made }
                data = made
            }
            for target in group.targets {
                var frame: [UInt8] = []
                frame.reserveCapacity(data.count + target.topic.utf8.count + 64)
                frame += "id:".utf8
                frame += target.clientID.utf8
                frame += "\nevent:".utf8
                frame += target.topic.utf8
                frame += "\ndata:".utf8
                frame += data
                frame += "\n\n".utf8
                target.sink.send(frame)
            }
        }
    }

    private static func requestInfo(_ options: RealtimeOptions) -> RequestInfo {
        let query = options.query, headers = options.headers
        return RequestInfo(method: "GET", context: "realtime", query: { query[$0] }, header: { headers[$0] })
    }

    /// Groups that differ only by (non-superuser) auth share one rule query: the rule is
    /// evaluated for all their auths at once (`realtimeAllowsEach`). Returns the verdict per group;
    /// groups left out are checked alone.
    private func sharedVerdicts(_ change: RecordChange, of c: CompiledCollection,
                                groups: [GroupKey: (options: RealtimeOptions, targets: [Target])]) -> [GroupKey: Bool] {
        struct Bucket: Hashable { var isRecordTopic: Bool; var optionsText: String }
        var buckets: [Bucket: [GroupKey]] = [:]
        for key in groups.keys where !key.auth.isSuperuser {
            buckets[Bucket(isRecordTopic: key.isRecordTopic, optionsText: key.optionsText), default: []].append(key)
        }
        var verdicts: [GroupKey: Bool] = [:]
        for (bucket, keys) in buckets where keys.count > 1 {
            guard let options = groups[keys[0]]?.options else { continue }
            let rule = bucket.isRecordTopic ? c.rules.view : c.rules.list
            switch rule {
            case .locked:
                for key in keys { verdicts[key] = false }
            case .open:
                continue
            case .expression:
                guard let allowed = (try? records.realtimeAllowsEach(change.values, of: c, rule: rule, requesters: keys.map(\.auth),
                                                                     request: Self.requestInfo(options), filter: options.filter)) ?? nil
                else { continue }
                ruleQueries.wrappingAdd(1, ordering: .relaxed)
                for (key, ok) in zip(keys, allowed) { verdicts[key] = ok }
            }
        }
        return verdicts
    }

    /// Whether a group may see the change: its shared verdict, else its own rule query (a broken
    /// filter or rule just means no events, as in PocketBase).
    private func allowed(_ change: RecordChange, of c: CompiledCollection, for key: GroupKey, options: RealtimeOptions,
                         verdict: Bool?) -> Bool {
        if let verdict { return verdict }
        let rule = key.isRecordTopic ? c.rules.view : c.rules.list
        if case .expression = rule, !key.auth.isSuperuser { ruleQueries.wrappingAdd(1, ordering: .relaxed) }
        return (try? records.realtimeAllows(change.values, of: c, rule: rule, requester: key.auth, request: Self.requestInfo(options),
                                            filter: options.filter)) ?? false
    }

    /// `{"record":…,"action":"…"}` as one group sees it, or nil when it cannot be built.
    private func payload(_ change: RecordChange, of c: CompiledCollection, for key: GroupKey, options: RealtimeOptions) -> [UInt8]? {
        let request = Self.requestInfo(options)
        do {
            var record = try records.realtimeRecord(change.values, of: c, requester: key.auth, request: request, expand: options.expand)
            if !options.fields.isEmpty, let picked = selectFields(record, options.fields) { record = picked }
            var w = JSONWriter(capacity: record.count + 32)
            w.beginObject()
            w.key("record"); w.rawJSON(record)
            w.key("action"); w.string(change.action.rawValue)
            w.endObject()
            return w.bytes
        } catch {
            return nil
        }
    }
}
