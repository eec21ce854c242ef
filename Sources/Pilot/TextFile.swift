import Foundation
import Support

/// The UTF-8 text of a dataset file (class names, templates, a CSV manifest): a regular file
/// of at most `maxBytes` (`InputFile`), or `PilotError.dataset` saying why not.
func readTextFile(_ url: URL, maxBytes: Int) throws -> String {
    let data: [UInt8]
    do {
        data = try InputFile.contents(of: url.path, maxBytes: maxBytes)
    } catch {
        throw PilotError.dataset(path: url.path, message: "cannot be read: \(error)")
    }
    guard let text = String(validating: data, as: UTF8.self) else {
        throw PilotError.dataset(path: url.path, message: "is not UTF-8 text")
    }
    return text
}
