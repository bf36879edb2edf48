/// Number formatting for reports (no Foundation: it would cost startup time and memory).
public enum Format {
    /// 1234567 → "1,234,567".
    public static func grouped(_ value: Int) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return value < 0 ? "-" + result : result
    }

    /// `value` with exactly `digits` decimals, rounded half away from zero.
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e18 else { return String(value) }
        let integer = UInt64(scaled)
        let whole = integer / UInt64(scale)
        var text = String(whole)
        if digits > 0 {
            var fraction = String(integer % UInt64(scale))
            while fraction.count < digits { fraction = "0" + fraction }
            text += "." + fraction
        }
        return (value < 0 && scaled > 0 ? "-" : "") + text
    }

    /// 0.4567 → "45.7%".
    public static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + "%" }

    /// A change: 0.1 → "+10.0%", −0.052 → "-5.2%".
    public static func signedPercent(_ fraction: Double) -> String { (fraction >= 0 ? "+" : "") + percent(fraction) }

    /// Microseconds as milliseconds with three decimals: 1234 → "1.234".
    public static func milliseconds(_ microseconds: UInt64) -> String { fixed(Double(microseconds) / 1000, 3) }

    public static func milliseconds(_ microseconds: Double) -> String { fixed(microseconds / 1000, 3) }

    /// Pads on the left to `width` (right-aligns).
    public static func rightAligned(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// Pads on the right to `width` (left-aligns).
    public static func leftAligned(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    /// Unix time as "2026-12-02 18:59:29 UTC" (the civil date from the day count, no time zone
    /// database needed), with milliseconds when `fraction`; an empty string for 0, a time never
    /// recorded.
    public static func utcTimestamp(_ unixTime: Double, fraction: Bool = false) -> String {
        guard unixTime > 0, unixTime.isFinite else { return "" }
        let seconds = Int(unixTime.rounded(.down))
        let days = seconds / 86_400
        let inDay = seconds % 86_400
        // Howard Hinnant's civil_from_days.
        let shifted = days + 719_468
        let era = shifted / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : String(value) }
        let milliseconds = Int(((unixTime - Double(seconds)) * 1000).rounded(.down))
        let fractionText = fraction ? "." + String(String(1000 + min(999, milliseconds)).dropFirst()) : ""
        return "\(year)-\(two(month))-\(two(day)) \(two(inDay / 3_600)):\(two(inDay % 3_600 / 60)):"
            + "\(two(inDay % 60))\(fractionText) UTC"
    }
}
