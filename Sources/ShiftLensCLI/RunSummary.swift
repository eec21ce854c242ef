import Foundation
import Results

/// What `shiftlens run` tells a person or a CI job when a run completes: the verdict table
/// (text) or the summary object (`--json`), and the exit code `--fail-on` asks for.
/// docs/running.md, "Verdicts on standard output", describes both.
struct RunSummary: Encodable {
    /// One model's line: its verdict and the reason that decided it.
    struct Model: Encodable {
        var name: String
        var status: VerdictStatus
        /// The image set whose verdict is the model's (the first of the worst); nil when the model passes.
        var domain: String?
        /// The first reason of that image set's verdict with the model's status; nil when the model passes.
        var reason: VerdictReason?
        /// Every image set's status, in the run's order.
        var domains: [Domain]
    }

    struct Domain: Encodable {
        var name: String
        var status: VerdictStatus
    }

    /// Version of this object's layout; a change that removes or renames a key increments it.
    var schemaVersion = 1
    var pilot: String
    var runID: String
    /// The worst model status; nil when no model has a verdict.
    var status: VerdictStatus?
    /// Paths of the run's folder, overview page and results.json.
    var runFolder: String
    var index: String
    var results: String
    var failOn: VerdictStatus?
    var exitCode: Int32
    var models: [Model]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", pilot, runID = "run_id", status, runFolder = "run_folder", index, results
        case failOn = "fail_on", exitCode = "exit_code", models
    }

    init(results: RunResults, folder: URL, failOn: VerdictStatus?) {
        pilot = results.pilot.name
        runID = results.runID
        runFolder = folder.path
        index = folder.appendingPathComponent("index.html").path
        self.results = folder.appendingPathComponent("results.json").path
        self.failOn = failOn
        models = results.verdicts.models.map { verdict in
            let shifts = results.verdicts.shifts.filter { $0.model == verdict.model }
            let deciding = verdict.status == .pass ? nil : shifts.first { $0.status == verdict.status }
            return Model(name: verdict.model, status: verdict.status, domain: deciding?.domain,
                         reason: deciding?.reasons.first { $0.status == verdict.status },
                         domains: shifts.map { Domain(name: $0.domain, status: $0.status) })
        }
        status = models.map(\.status).max()
        exitCode = Self.exitCode(status: status, failOn: failOn)
    }

    /// `ExitCode.verdict` when the worst status is at least `failOn`, else `ExitCode.ok`.
    static func exitCode(status: VerdictStatus?, failOn: VerdictStatus?) -> Int32 {
        guard let failOn, let status, status >= failOn else { return ExitCode.ok }
        return ExitCode.verdict
    }

    /// The verdict table: one row per model with its status, the deciding image set and reason.
    var table: String {
        let rows = [["model", "status", "reason"]] + models.map { model in
            [model.name, model.status.rawValue, model.reason.map { reason in
                var text = "\(model.domain.map { "\($0): " } ?? "")\(reason.code.rawValue)"
                if let value = reason.value, let limit = reason.limit {
                    text += " (\(Self.number(value)) vs \(Self.number(limit)))"
                }
                return text
            } ?? "no criterion violated"]
        }
        let widths = (0..<2).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row[0].padding(toLength: widths[0] + 2, withPad: " ", startingAt: 0)
                + row[1].padding(toLength: widths[1] + 2, withPad: " ", startingAt: 0) + row[2]
        }.joined(separator: "\n")
    }

    private static func number(_ value: Double) -> String { String(format: "%.3f", value) }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}
