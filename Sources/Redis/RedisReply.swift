import CHiredis

/// A fully decoded Redis reply, for control-plane commands (INFO, SCAN, CONFIG, ...).
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int)
    case bulk([UInt8])
    case null
    case array([RedisReply])

    /// Bulk or status text, `nil` for other kinds.
    public var string: String? {
        switch self {
        case .status(let text): return text
        case .bulk(let bytes): return String(decoding: bytes, as: UTF8.self)
        default: return nil
        }
    }

    init(_ reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STATUS: self = .status(Self.text(value))
        case REDIS_REPLY_ERROR: self = .error(Self.text(value))
        case REDIS_REPLY_INTEGER: self = .integer(Int(value.integer))
        case REDIS_REPLY_STRING:
            self = .bulk(value.str.map { [UInt8](UnsafeRawBufferPointer(start: $0, count: value.len)) } ?? [])
        case REDIS_REPLY_ARRAY:
            var elements: [RedisReply] = []
            elements.reserveCapacity(value.elements)
            for index in 0..<value.elements {
                if let element = value.element[index] { elements.append(RedisReply(element)) }
            }
            self = .array(elements)
        default: self = .null
        }
    }

    static func text(_ value: redisReply) -> String {
        guard let start = value.str else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: value.len), as: UTF8.self)
    }
}

/// What a benchmark needs to know about a reply, without copying its payload: the kind, an integer
/// value, and the message only for errors.
public enum RedisReplySummary: Sendable, Equatable {
    case status
    case integer(Int)
    case bulk
    case null
    case array
    case error(String)

    init(_ reply: UnsafePointer<redisReply>) {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STATUS: self = .status
        case REDIS_REPLY_INTEGER: self = .integer(Int(value.integer))
        case REDIS_REPLY_STRING: self = .bulk
        case REDIS_REPLY_ARRAY: self = .array
        case REDIS_REPLY_ERROR: self = .error(RedisReply.text(value))
        default: self = .null
        }
    }
}
