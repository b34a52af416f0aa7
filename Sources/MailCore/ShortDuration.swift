// Durations for one-line status text (`STATUS=`, `mailctl status`): the largest whole
// unit, as `mailq`-style tools print ages.

public enum ShortDuration {
    /// `42s`, `5m`, `3h`, `2d`; negative spans count as `0s`.
    public static func text(seconds: Int64) -> String {
        let value = max(0, seconds)
        switch value {
        case ..<120: return "\(value)s"
        case ..<7200: return "\(value / 60)m"
        case ..<172_800: return "\(value / 3600)h"
        default: return "\(value / 86_400)d"
        }
    }
}
