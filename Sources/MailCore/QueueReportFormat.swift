// `mailctl queue verify` and the control verbs' output, as text or one JSON object.

public enum QueueReportFormat {
    /// `checked N queue files, M problems`, then one `NAME: reason` line per problem.
    public static func text(_ report: QueueVerification) -> String {
        var out = "checked \(report.checked) queue files, \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")\n"
        for problem in report.problems { out += "\(problem.name): \(problem.reason)\n" }
        return out
    }

    public static func json(_ report: QueueVerification) -> String {
        JSONText.object([
            ("checked", String(report.checked)),
            ("problems", "[" + report.problems.map {
                JSONText.object([("name", JSONText.string($0.name)), ("reason", JSONText.string($0.reason))])
            }.joined(separator: ",") + "]"),
        ]) + "\n"
    }

    /// The daemon's answer to a control verb (its text form is the answer itself).
    public static func json(action: QueueAction, queueID: QueueID?, result: String) -> String {
        JSONText.object([
            ("action", JSONText.string(action.name)),
            ("queue_id", queueID.map { JSONText.string($0.rawValue) } ?? "null"),
            ("result", JSONText.string(result)),
        ]) + "\n"
    }
}
