// RFC 5322 §3.3 date-time, always in UTC ("+0000"), from Unix seconds, without Foundation.

public enum InternetDate {
    private static let days = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 29 Nov 2026 16:52:26 +0000` for the given Unix time in seconds.
    public static func format(unixSeconds: Int64) -> String {
        let dayNumber = unixSeconds >= 0 ? unixSeconds / 86_400 : (unixSeconds - 86_399) / 86_400
        let secondOfDay = unixSeconds - dayNumber * 86_400
        let (year, month, day) = civil(fromDays: dayNumber)
        let weekday = days[Int(((dayNumber % 7) + 7) % 7)]
        return "\(weekday), \(day) \(months[month - 1]) \(year) "
            + "\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) +0000"
    }

    private static func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Proleptic Gregorian date of a day count since 1970-01-01 (H. Hinnant's algorithm).
    private static func civil(fromDays days: Int64) -> (Int64, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * monthIndex + 2) / 5 + 1)
        let month = Int(monthIndex < 10 ? monthIndex + 3 : monthIndex - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

extension InternetDate {
    /// `Sun Nov 29 16:52:26` (UTC): the arrival-time column of `mailq` (asctime without the year).
    public static func mailqTime(unixSeconds: Int64) -> String {
        // "Sun, 29 Nov 2026 16:52:26 +0000" → weekday, day, month, time.
        let parts = format(unixSeconds: unixSeconds).split(separator: " ")
        let day = parts[1].count == 1 ? " " + parts[1] : parts[1]
        return "\(parts[0].dropLast()) \(parts[2]) \(day) \(parts[4])"
    }
}

extension InternetDate {
    /// `2026-11-29 16:52:26.123` (UTC, milliseconds): the time column of `mailctl log`.
    public static func timestamp(unixMicroseconds: UInt64) -> String {
        let seconds = Int64(unixMicroseconds / 1_000_000)
        let dayNumber = seconds / 86_400
        let secondOfDay = seconds - dayNumber * 86_400
        let (year, month, day) = civil(fromDays: dayNumber)
        let millis = Int64(unixMicroseconds / 1000 % 1000)
        return "\(year)-\(two(Int64(month)))-\(two(Int64(day))) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60))"
            + ":\(two(secondOfDay % 60)).\(millis < 10 ? "00" : millis < 100 ? "0" : "")\(millis)"
    }
}
