import Foundation

/// Checks run over a generated site folder; each returns the problems found (empty = fine).
enum SiteChecks {
    static func files(in site: URL, withExtension ext: String? = nil) -> [URL] {
        let enumerator = FileManager.default.enumerator(at: site, includingPropertiesForKeys: nil)
        var result: [URL] = []
        while let url = enumerator?.nextObject() as? URL {
            var isDirectory: ObjCBool = false
            FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory)
            if !isDirectory.boolValue && (ext == nil || url.pathExtension == ext) { result.append(url) }
        }
        return result.sorted { $0.path < $1.path }
    }

    static func read(_ url: URL) -> String {
        (try? Data(contentsOf: url)).flatMap { String(data: $0, encoding: .utf8) } ?? ""
    }

    /// Values of `attribute="…"` in `html`.
    static func attributeValues(_ attribute: String, in html: String) -> [String] {
        var values: [String] = []
        var rest = html[...]
        let marker = " \(attribute)=\""
        while let start = rest.range(of: marker) {
            let after = rest[start.upperBound...]
            guard let end = after.firstIndex(of: "\"") else { break }
            values.append(String(after[..<end]))
            rest = after[end...]
        }
        return values
    }

    /// Crawls every page: relative href/src values that name no file inside the site, and
    /// any link with a scheme but an embedded PNG image (`src="data:image/png;base64,…"`, the
    /// packet's sample images). Returns the problems and the number of links checked.
    static func brokenLinks(in site: URL) -> (problems: [String], checked: Int) {
        var problems: [String] = []
        var checked = 0
        let root = site.standardizedFileURL.path
        for page in files(in: site, withExtension: "html") {
            let html = read(page)
            for link in attributeValues("href", in: html) + attributeValues("src", in: html).filter({ !$0.hasPrefix("data:image/png;base64,") }) {
                let path = String(link.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0])
                if link.isEmpty { problems.append("\(page.path): empty link") }
                if path.isEmpty { continue }
                if path.contains(":") { problems.append("\(page.path): link with a scheme \(link)"); continue }
                let target = page.deletingLastPathComponent().appendingPathComponent(path).standardizedFileURL
                if !target.path.hasPrefix(root) { problems.append("\(page.path): \(link) leaves the site") }
                if !FileManager.default.fileExists(atPath: target.path) { problems.append("\(page.path): \(link) does not exist") }
                checked += 1
            }
        }
        return (problems, checked)
    }

    /// Every element opened is closed, in order (void elements excepted; SVG may self-close);
    /// every page starts with the HTML5 doctype.
    static func malformedPages(in site: URL) -> [String] {
        let void: Set<String> = ["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"]
        var problems: [String] = []
        pages: for page in files(in: site, withExtension: "html") {
            let html = read(page)
            if !html.hasPrefix("<!DOCTYPE html>\n<html lang=\"") { problems.append("\(page.path): no doctype/lang") }
            var stack: [String] = []
            var rest = html[...]
            while let open = rest.firstIndex(of: "<") {
                guard let close = rest[open...].firstIndex(of: ">") else { problems.append("\(page.path): unterminated tag"); continue pages }
                let tag = rest[rest.index(after: open)..<close]
                rest = rest[rest.index(after: close)...]
                if tag.hasPrefix("!") { continue }
                let isClosing = tag.hasPrefix("/")
                let name = String((isClosing ? tag.dropFirst() : tag).prefix { $0.isLetter || $0.isNumber || $0 == "-" }).lowercased()
                if isClosing {
                    guard stack.last == name else {
                        problems.append("\(page.path): </\(name)> closes <\(stack.last ?? "nothing")>")
                        continue pages
                    }
                    stack.removeLast()
                } else if !void.contains(name) && !tag.hasSuffix("/") {
                    if name == "style" {
                        // CSS is not markup: skip to the closing tag.
                        guard let end = rest.range(of: "</style>") else { problems.append("\(page.path): unclosed style"); continue pages }
                        rest = rest[end.upperBound...]
                        continue
                    }
                    stack.append(name)
                }
            }
            if !stack.isEmpty { problems.append("\(page.path): unclosed \(stack)") }
        }
        return problems
    }

    /// Pages without the CSP meta tag (before the title), or with a script, an external URL,
    /// or a number rendered as NaN/inf (`allowedNaNText` is prose that may mention NaN).
    static func unsafePages(in site: URL, allowedNaNText: String...) -> [String] {
        var problems: [String] = []
        for file in files(in: site) where ["html", "css", "json", "csv"].contains(file.pathExtension) {
            let text = read(file)
            if text.contains("http://") || text.contains("https://") || text.contains("//cdn") { problems.append("\(file.path): external URL") }
            guard file.pathExtension == "html" else { continue }
            if let csp = text.range(of: "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"), let title = text.range(of: "<title>") {
                if csp.lowerBound > title.lowerBound { problems.append("\(file.path): CSP after the title") }
            } else {
                problems.append("\(file.path): no CSP meta tag")
            }
            if text.lowercased().contains("<script") { problems.append("\(file.path): script") }
            let shown = allowedNaNText.reduce(text) { $0.replacingOccurrences(of: $1, with: "") }
            if shown.contains("NaN") || shown.contains("inf%") || shown.contains(">inf") { problems.append("\(file.path): NaN or inf shown") }
        }
        return problems
    }
}
