import BenchCore

/// One figure of the self-test: what dbbench measured against what the known server implies, the
/// error, and the bound it must stay within.
public struct SelfTestCheck: Sendable, Equatable {
    public enum Unit: String, Sendable {
        case microseconds = "us"
        case perSecond = "per_second"
        case operations
    }

    /// "p50 with a 0.200 ms delay".
    public let name: String
    public let measured: Double
    public let expected: Double
    /// The largest error allowed, in `unit`.
    public let bound: Double
    public let unit: Unit

    public init(_ name: String, measured: Double, expected: Double, bound: Double, unit: Unit) {
        self.name = name
        self.measured = measured
        self.expected = expected
        self.bound = bound
        self.unit = unit
    }

    public var error: Double { measured - expected }
    public var passed: Bool { abs(error) <= bound }

    /// A value of this check's unit, for the table.
    func text(_ value: Double, signed: Bool = false) -> String {
        let sign = signed && value >= 0 ? "+" : ""
        switch unit {
        case .microseconds: return sign + Format.milliseconds(value) + " ms"
        case .perSecond: return sign + Format.fixed(value, 1) + "/s"
        case .operations: return sign + Format.grouped(Int(value.rounded()))
        }
    }

    /// The error relative to the expected value ("+0.3%"), when there is one.
    var relativeError: String {
        expected == 0 ? "" : " (" + Format.signedPercent(error / expected) + ")"
    }
}

/// What `dbbench selftest` found.
public struct SelfTestReport: Sendable {
    /// The settings the checks ran with, for the header.
    public var settings: [String]
    /// The loopback round trip (the p50 of ECHOs answered at once, between the PINGs), in microseconds.
    public var roundTrip: Double
    public var checks: [SelfTestCheck]

    public var passed: Bool { checks.allSatisfy(\.passed) }

    /// The checks as a table with the verdict last.
    public var text: String {
        var lines = [
            "dbbench selftest: dbbench's own latency measurement against a RESP server inside it that answers PING "
                + "after a known delay",
            settings.joined(separator: " · "),
            "loopback round trip (ECHO, answered at once, between the PINGs): p50 \(Format.milliseconds(roundTrip)) ms, "
                + "added to every expected latency",
            "",
        ]
        let nameWidth = max(10, checks.map(\.name.count).max() ?? 0)
        let header =
            Format.leftAligned("check", nameWidth) + "  " + Format.rightAligned("measured", 13) + "  "
            + Format.rightAligned("expected", 13) + "  " + Format.rightAligned("error", 22) + "  "
            + Format.rightAligned("bound", 13) + "  result"
        lines.append(header)
        for check in checks {
            lines.append(
                Format.leftAligned(check.name, nameWidth) + "  " + Format.rightAligned(check.text(check.measured), 13)
                    + "  " + Format.rightAligned(check.text(check.expected), 13) + "  "
                    + Format.rightAligned(check.text(check.error, signed: true) + check.relativeError, 22) + "  "
                    + Format.rightAligned("±" + check.text(check.bound), 13) + "  " + (check.passed ? "PASS" : "FAIL")
            )
        }
        let failed = checks.filter { !$0.passed }.count
        lines.append("")
        lines.append(
            failed == 0
                ? "PASS: every figure within its bound (\(checks.count) checks)"
                : "FAIL: \(failed) of \(checks.count) figures outside their bounds; a loaded machine disturbs the "
                    + "timing, so run it again on an idle one before doubting the numbers"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: JSONValue {
        .object([
            ("command", .string("selftest")),
            ("dbbench_version", .string(dbbenchVersion)),
            ("settings", .array(settings.map { .string($0) })),
            ("round_trip_us", .number(roundTrip)),
            (
                "checks",
                .array(
                    checks.map { check in
                        .object([
                            ("name", .string(check.name)), ("unit", .string(check.unit.rawValue)),
                            ("measured", .number(check.measured)), ("expected", .number(check.expected)),
                            ("error", .number(check.error)), ("bound", .number(check.bound)),
                            ("passed", .bool(check.passed)),
                        ])
                    }
                )
            ),
            ("passed", .bool(passed)),
        ])
    }
}
