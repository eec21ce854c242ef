import Foundation
import Results

/// "What changed in the images": the image statistics of a domain (`DomainSummary.imageStatistics`)
/// beside the reference's, for the shift pages and the packet.
extension PageContext {
    /// One statistic of a domain: its mean (or share), the reference's, the difference, their intervals.
    struct ImageStatisticRow {
        var key: String
        var value: String
        var interval: String
        var reference: String
        var difference: String
        var differenceInterval: String
        /// |difference| / |reference value| (infinite when the reference is 0 and the difference is not); nil on the reference.
        var relativeChange: Double?
        /// Whether the 95 % interval of the difference (grayscale: of the share) excludes no change.
        var isClear: Bool
        var order: Int
    }

    /// The rows of `domain`, largest relative difference from the reference first (ties and the
    /// reference page in a fixed order: brightness, contrast, saturation, sharpness, width, height,
    /// aspect ratio, JPEG quality, grayscale share).
    func imageStatisticRows(_ domain: DomainSummary) -> [ImageStatisticRow] {
        guard let summary = domain.imageStatistics else { return [] }
        let measures = ImageStatisticsSummary.Measure.allCases
        var rows: [ImageStatisticRow] = []
        for mean in summary.means {
            let format = imageStatisticFormat(mean.measure)
            let reference = mean.difference.map { mean.mean - $0 }
            rows.append(ImageStatisticRow(
                key: "image_stat.\(mean.measure.rawValue)", value: format(mean.mean),
                interval: mean.interval.flatMap { try? t("format.range", ["low": format($0.lower), "high": format($0.upper)]) } ?? "—",
                reference: reference.map(format) ?? "—",
                difference: mean.difference.map { signed($0, format) } ?? "—",
                differenceInterval: mean.differenceInterval.map { interval in
                    (try? t("format.signed_range", ["low": signed(interval.lower, format), "high": signed(interval.upper, format)])) ?? "—"
                } ?? "—",
                relativeChange: zip(mean.difference, reference).map { Self.relative($0.0, $0.1) },
                isClear: mean.differenceInterval.map { $0.lower > 0 || $0.upper < 0 } ?? false,
                order: measures.firstIndex(of: mean.measure) ?? 0))
        }
        if let share = summary.grayscale {
            let reference = share.difference.map { share.share - $0 }
            rows.append(ImageStatisticRow(
                key: "image_stat.grayscale", value: catalog.percent(share.share),
                interval: catalog.percentRange(share.interval?.lower, share.interval?.upper),
                reference: catalog.percent(reference), difference: catalog.points(share.difference), differenceInterval: "—",
                relativeChange: zip(share.difference, reference).map { Self.relative($0.0, $0.1) },
                isClear: zip(share.interval, reference).map { $0.0.lower > $0.1 || $0.0.upper < $0.1 } ?? false,
                order: measures.count))
        }
        return rows.sorted { a, b in
            let x = a.relativeChange ?? 0, y = b.relativeChange ?? 0
            return x != y ? x > y : a.order < b.order
        }
    }

    static func relative(_ difference: Double, _ reference: Double) -> Double {
        reference != 0 ? abs(difference / reference) : (difference == 0 ? 0 : .infinity)
    }

    /// The shift page's table rows.
    func imageStatisticValues(_ domain: DomainSummary) throws -> [TemplateValue] {
        try imageStatisticRows(domain).map { row in
            .dict(["name": .text(try t(row.key)), "value": .number(row.value), "interval": .number(row.interval),
                   "reference": .number(row.reference), "difference": .number(row.difference),
                   "difference_interval": .number(row.differenceInterval)])
        }
    }

    /// "brightness 0.21 vs 0.55" for the (at most `limit`) largest clear differences of a shift.
    func imageChanges(_ domain: DomainSummary, limit: Int = 3) throws -> [String] {
        try imageStatisticRows(domain).filter(\.isClear).prefix(limit).map { row in
            try t("shift.image_change", ["measure": try t(row.key), "value": row.value, "reference": row.reference])
        }
    }

    /// "Compared with the reference: brightness 0.21 vs 0.55, …" for a shift with statistics, else nil.
    func imageChangeSentence(_ domain: DomainSummary) throws -> String? {
        guard domain.role == .shift, domain.imageStatistics != nil else { return nil }
        let changes = try imageChanges(domain)
        return changes.isEmpty ? try t("shift.image_changes_none") : try t("shift.image_changes", ["changes": catalog.list(changes)])
    }

    /// How a statistic is printed: fractions 0…1 and the aspect ratio with 2 decimals, sizes and
    /// sharpness (a variance of luma 0…255, in the hundreds for sharp photos) with none, the mean JPEG quality with 1.
    func imageStatisticFormat(_ measure: ImageStatisticsSummary.Measure) -> (Double) -> String {
        switch measure {
        case .brightness, .contrast, .saturation, .aspectRatio: return { self.catalog.decimal($0, digits: 2) }
        case .width, .height, .sharpness: return { self.catalog.decimal($0, digits: 0) }
        case .jpegQuality: return { self.catalog.decimal($0, digits: 1) }
        }
    }

    /// `value` with a sign: "+0.12", "−0.34" ("0.00" for a difference that rounds to zero).
    func signed(_ value: Double, _ format: (Double) -> String) -> String {
        let text = format(abs(value))
        guard text.contains(where: { $0.isNumber && $0 != "0" }) else { return text }
        return (value < 0 ? "−" : "+") + text
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
