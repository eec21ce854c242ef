/// What the images of one domain look like in numbers (`domains[].image_statistics`): the mean of
/// each per-image statistic with a 95 % Student-t interval, the share of grayscale images with a
/// Clopper–Pearson interval, and for a shift its difference from the reference (Welch's t interval
/// for means). How each statistic is measured: `ImageStatistics` (ImageCodec), docs/probes.md.
package struct ImageStatisticsSummary: Codable, Sendable, Equatable {
    /// The statistics with a mean, in the order pages list them when differences tie.
    package enum Measure: String, Codable, Sendable, CaseIterable {
        case brightness, contrast, saturation, sharpness, width, height
        case aspectRatio = "aspect_ratio"
        case jpegQuality = "jpeg_quality"
    }

    /// Images of the domain with statistics (every image that was embedded).
    package var imageCount: Int
    /// One entry per measure that has at least one value (`jpeg_quality`: JPEG files only; `sharpness`:
    /// images of at least 3×3 pixels), in `Measure` order.
    package var means: [MeanSummary]
    package var grayscale: ShareSummary?

    package init(imageCount: Int, means: [MeanSummary], grayscale: ShareSummary?) {
        self.imageCount = imageCount
        self.means = means
        self.grayscale = grayscale
    }

    package func mean(_ measure: Measure) -> MeanSummary? { means.first { $0.measure == measure } }

    enum CodingKeys: String, CodingKey {
        case imageCount = "image_count", means, grayscale
    }

    /// One statistic's mean over the images that have it.
    package struct MeanSummary: Codable, Sendable, Equatable {
        package var measure: Measure
        /// Images with a value.
        package var count: Int
        package var mean: Double
        /// Student-t interval of the mean (`mean ± t(0.975, count − 1) · s / √count`, s with ddof 1); absent below 2 images.
        package var interval: Interval?
        /// Shift only: this domain's mean minus the reference's.
        package var difference: Double?
        /// Welch's t interval of `difference` (Welch–Satterthwaite degrees of freedom); the point
        /// itself when both samples are constant; absent when either side has fewer than 2 images.
        package var differenceInterval: Interval?

        package init(measure: Measure, count: Int, mean: Double, interval: Interval?, difference: Double? = nil, differenceInterval: Interval? = nil) {
            self.measure = measure
            self.count = count
            self.mean = mean
            self.interval = interval
            self.difference = difference
            self.differenceInterval = differenceInterval
        }

        enum CodingKeys: String, CodingKey {
            case measure, count, mean, interval, difference, differenceInterval = "difference_interval"
        }
    }

    /// The grayscale share.
    package struct ShareSummary: Codable, Sendable, Equatable {
        /// Grayscale images, out of `ImageStatisticsSummary.imageCount`.
        package var count: Int
        package var share: Double
        /// Clopper–Pearson 95 % interval.
        package var interval: Interval?
        /// Shift only: this domain's share minus the reference's.
        package var difference: Double?

        package init(count: Int, share: Double, interval: Interval?, difference: Double? = nil) {
            self.count = count
            self.share = share
            self.interval = interval
            self.difference = difference
        }
    }
}
