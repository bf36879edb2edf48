import Glibc

/// `--start-at TIME`: the wall-clock moment at which the generators of a distributed run begin
/// their measured interval together, and how well this one kept it.
///
/// Connections open first; the first workload's measured interval (its warm-up included) then
/// begins at `scheduled` by this machine's clock. A generator whose connections are not all open
/// by then runs nothing and ends with `ExitCode.notReady`, so that a late shard never adds load
/// outside the interval the others measured.
public struct StartTiming: Sendable, Equatable {
    /// The Unix time `--start-at` named; nil when only the clock offset was measured (a shard
    /// without `--start-at`).
    public var scheduled: Double?
    /// How long after `scheduled` the last of this generator's I/O loops began (seconds, by this
    /// machine's clock): how late its threads woke; nil until it started.
    public var skew: Double?
    /// This machine's clock against the server's, measured once before the run.
    public var clockOffset: ClockOffset?

    public init(scheduled: Double?, skew: Double? = nil, clockOffset: ClockOffset? = nil) {
        self.scheduled = scheduled
        self.skew = skew
        self.clockOffset = clockOffset
    }

    /// When this generator began, by the server's clock: what makes the starts of shards on
    /// machines whose clocks differ comparable.
    public var serverStart: Double? {
        guard let scheduled, let skew else { return nil }
        return scheduled + skew + (clockOffset?.seconds ?? 0)
    }

    /// "started at 2026-12-03 10:00:00.000 UTC (--start-at), 0.21 ms after it; clock 0.05 ms behind
    /// the server's (± 0.03 ms)", for the settings lines.
    public var summary: String {
        var parts: [String] = []
        if let scheduled {
            parts.append(
                "started at \(Format.utcTimestamp(scheduled, fraction: true)) (--start-at)"
                    + (skew.map { ", \(Format.fixed($0 * 1000, 2)) ms after it" } ?? ", not run")
            )
        }
        if let offset = clockOffset {
            let milliseconds = Format.fixed(abs(offset.seconds) * 1000, 2)
            parts.append(
                "clock \(milliseconds) ms \(offset.seconds > 0 ? "behind" : "ahead of") the server's "
                    + "(± \(Format.fixed(offset.uncertainty * 1000, 2)) ms)"
            )
        } else {
            parts.append("clock offset against the server not measured")
        }
        return parts.joined(separator: "; ")
    }

    /// The furthest ahead `--start-at` may lie.
    public static let mostAhead: Double = 86_400

    static let option = Option.optionalString(
        "start-at",
        placeholder: "TIME",
        help: "Open the connections, then begin the first workload at TIME by the wall clock (RFC 3339 such "
            + "as 2026-12-03T10:00:00Z, or Unix seconds): how the shards of a run start together; not ready "
            + "by then, nothing runs and the exit code is 75"
    )

    /// `text` as Unix seconds: RFC 3339 (`2026-12-03T10:00:00Z`, `…T10:00:00.250+01:00`; a space may
    /// replace the `T`) or a number of seconds since 1970 (fractions allowed); nil otherwise.
    public static func parseTime(_ text: String) -> Double? {
        if let seconds = Double(text), seconds.isFinite, seconds > 0, text.first?.isNumber == true {
            return seconds
        }
        let bytes = Array(text.utf8)
        func number(_ range: Range<Int>) -> Int? {
            guard range.upperBound <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[range] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
            [UInt8(ascii: "T"), UInt8(ascii: "t"), UInt8(ascii: " ")].contains(bytes[10]),
            bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
            let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == UInt8(ascii: ".") {
            var scale = 0.1
            index += 1
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
            guard index > digitsStart else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard index + 1 == bytes.count else { return nil }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, bytes[index + 3] == UInt8(ascii: ":"),
                let hours = number(index + 1..<index + 3), let minutes = number(index + 4..<index + 6),
                hours < 24, minutes < 60
            else { return nil }
            offsetSeconds = (hours * 3600 + minutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
        default:
            return nil
        }
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(month - 1)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(hour)
        fields.tm_min = Int32(minute)
        fields.tm_sec = Int32(second)
        let utc = timegm(&fields)
        // timegm normalises a 31st of a 30-day month into the next; such a date is not a date.
        guard utc != -1, fields.tm_mday == Int32(day), fields.tm_mon == Int32(month - 1) else { return nil }
        return Double(utc - offsetSeconds) + fraction
    }
}

/// This machine's clock against the server's: `seconds` = the server's time minus ours, read at
/// the middle of the fastest of a few round trips, within ± `uncertainty` (half that round trip).
public struct ClockOffset: Sendable, Equatable {
    public var seconds: Double
    public var uncertainty: Double

    public init(seconds: Double, uncertainty: Double) {
        self.seconds = seconds
        self.uncertainty = uncertainty
    }

    /// Asks `readServerTime` (the server's Unix time: Redis `TIME`, PostgreSQL `clock_timestamp()`)
    /// `samples` times and keeps the reading with the shortest round trip.
    public static func measure(
        samples: Int = 5,
        readServerTime: () async throws -> Double
    ) async throws -> ClockOffset {
        var best: ClockOffset?
        for _ in 0..<samples {
            let sent = WallClock.unixTime()
            let server = try await readServerTime()
            let received = WallClock.unixTime()
            let reading = ClockOffset(seconds: server - (sent + received) / 2, uncertainty: (received - sent) / 2)
            if best.map({ reading.uncertainty < $0.uncertainty }) ?? true { best = reading }
        }
        return best ?? ClockOffset(seconds: 0, uncertainty: .infinity)
    }
}

/// A generator that was not ready by `--start-at` (or was started after it): exit 75.
public struct NotReadyError: CommandFailure {
    public let description: String
    public var kind: FailureKind { .notReady }

    public init(scheduled: Double, late: Double, connectionsOpen: Bool) {
        description =
            "not ready by --start-at \(Format.utcTimestamp(scheduled, fraction: true)): "
            + (connectionsOpen
                ? "the last connection was open \(Format.fixed(late * 1000, 1)) ms after it"
                : "that time had passed \(Format.fixed(late, 3)) s before the run began")
            + "; nothing was run (start the shards earlier, or give a later --start-at)"
    }
}
