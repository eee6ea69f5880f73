// Aerie — GET and POST /api/realtime: server-sent events (spec §11)
// SPDX-License-Identifier: MIT
import AerieBase
import AerieCore
import AerieHTTP
import AerieJSON

/// Limits and timers of realtime connections.
public struct RealtimeSettings: Sendable {
    /// Close a connection after this long without a delivered event (PocketBase: 5 minutes).
    public var idleTimeout: Duration
    /// Close a connection after this long in any case (PocketBase: 30 minutes); SDKs reconnect.
    public var lifetime: Duration
    /// Bytes that may wait for one slow client before it is disconnected.
    public var maxQueuedBytes: Int

    public init(idleTimeout: Duration = .seconds(300), lifetime: Duration = .seconds(1800), maxQueuedBytes: Int = 1 << 20) {
        self.idleTimeout = idleTimeout
        self.lifetime = lifetime
        self.maxQueuedBytes = maxQueuedBytes
    }
}

/// An SSE stream as the broker's sink.
struct StreamSink: RealtimeSink {
    let stream: HTTPStream
    func send(_ bytes: [UInt8]) -> Bool { stream.send(bytes) }
    func close() { stream.close() }
}

extension APIResponder {
    /// Makes the broker for this responder: record JSON is pruned with the same `fields` picker as responses.
    static func makeBroker(_ app: App) -> RealtimeBroker {
        RealtimeBroker(records: app.records) { record, fields in
            guard let selection = try? FieldSelection(parsing: fields), let value = try? JSONParser.parse(record) else { return nil }
            return selection.apply(to: value).serialized()
        }
    }

    /// `GET /api/realtime`: opens the event stream with `PB_CONNECT`. The event loop keeps the
    /// connection; no worker stays with it.
    func realtimeConnect(_ ctx: RouteContext) throws -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/event-stream")
        headers.add("Cache-Control", "no-store")
        headers.add("X-Accel-Buffering", "no")
        if ctx.request.method == .head { return HTTPResponse(status: .ok, headers: headers) }
        let settings = realtimeSettings
        let stream = HTTPStream(limits: HTTPStream.Limits(maxQueuedBytes: settings.maxQueuedBytes,
                                                          idleTimeout: settings.idleTimeout, lifetime: settings.lifetime))
        let broker = realtime
        let id = broker.connect(sink: StreamSink(stream: stream), remoteAddress: ctx.request.remoteAddress)
        stream.onClose { broker.disconnect(id) }
        let first = "id:\(id)\nevent:PB_CONNECT\ndata:{\"clientId\":\"\(id)\"}\n\n"
        var response = HTTPResponse(status: .ok, headers: headers, body: Array(first.utf8))
        response.stream = stream
        return response
    }

    /// `POST /api/realtime`: replaces a client's subscriptions and binds its auth (spec §11.2).
    func realtimeSubscribe(_ ctx: RouteContext) throws -> HTTPResponse {
        let body = try RequestBody.object(ctx.request)
        var clientID = ""
        switch body["clientId"] {
        case .string(let s)?: clientID = s
        case .null?, nil: break
        default: throw APIError(status: .badRequest)
        }
        var topics: [String] = []
        switch body["subscriptions"] {
        case .array(let items)?:
            for item in items {
                guard case .string(let s) = item else { throw APIError(status: .badRequest) }
                topics.append(s)
            }
        case .null?, nil: break
        default: throw APIError(status: .badRequest)
        }
        var data = JSONObject()
        let idLength = clientID.unicodeScalars.count
        if idLength == 0 {
            data["clientId"] = Self.issue("validation_required", "Cannot be blank.")
        } else if idLength > 255 {
            data["clientId"] = Self.issue("validation_length_out_of_range", "The length must be between 1 and 255.", min: 1, max: 255)
        }
        if topics.count > RealtimeBroker.maxTopics {
            data["subscriptions"] = Self.issue("validation_length_too_long", "The length must be no more than \(RealtimeBroker.maxTopics).",
                                               min: 0, max: RealtimeBroker.maxTopics)
        } else {
            var perTopic = JSONObject()
            for (i, topic) in topics.enumerated() where topic.unicodeScalars.count > RealtimeBroker.maxTopicLength {
                perTopic[String(i)] = Self.issue("validation_length_too_long", "The length must be no more than \(RealtimeBroker.maxTopicLength).",
                                                 min: 0, max: RealtimeBroker.maxTopicLength)
            }
            if !perTopic.isEmpty { data["subscriptions"] = .object(perTopic) }
        }
        if !data.isEmpty {
            throw APIError(status: .badRequest, message: APIError.defaultMessage(400), rawData: JSON.object(data).serialized())
        }
        let who = requester(ctx)
        try realtime.setSubscriptions(clientID: clientID, topics: topics, requester: who, remoteAddress: ctx.request.remoteAddress)
        return HTTPResponse(status: .noContent)
    }

    private static func issue(_ code: String, _ message: String, min: Int? = nil, max: Int? = nil) -> JSON {
        var o: JSONObject = ["code": .string(code), "message": .string(message)]
        if let min, let max { o["params"] = ["max": .int(Int64(max)), "min": .int(Int64(min))] }
        return .object(o)
    }
}
