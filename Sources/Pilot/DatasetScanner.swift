import Foundation
import Support

/// One image of a domain.
package struct DatasetItem: Sendable, Equatable {
    package var url: URL
    /// Path relative to the domain folder (or as written in the manifest) — what reports show.
    package var relativePath: String
    /// Class index into the pilot's `ClassList`, or nil when unlabelled.
    package var label: Int?

    package init(url: URL, relativePath: String, label: Int?) {
        self.url = url
        self.relativePath = relativePath
        self.label = label
    }
}

/// What scanning a domain found, including everything it passed over and why.
package struct DatasetScan: Sendable, Equatable {
    package enum Layout: String, Sendable, Equatable {
        case classNameFolders = "class-name folders"
        case wordNetFolders = "WordNet-id folders"
        case indexFolders = "class-index folders"
        case objectNetFolders = "ObjectNet folders"
        case manifest = "CSV manifest"
        case unlabeled = "unlabelled folder"
    }

    package var layout: Layout
    package var items: [DatasetItem]
    /// Hidden files and folders (names starting with ".") passed over.
    package var hiddenSkipped: Int
    /// Files that are not `.jpg`/`.jpeg`/`.png` (any case).
    package var nonImagesSkipped: Int
    /// Folder names or manifest labels that are not in the class list, with their image counts.
    package var unknownLabels: [String: Int]
    /// Manifest rows naming files that do not exist.
    package var missingFiles: [String]

    package var isLabeled: Bool { layout != .unlabeled && items.contains { $0.label != nil } }

    package init(layout: Layout, items: [DatasetItem], hiddenSkipped: Int = 0, nonImagesSkipped: Int = 0,
                unknownLabels: [String: Int] = [:], missingFiles: [String] = []) {
        self.layout = layout
        self.items = items
        self.hiddenSkipped = hiddenSkipped
        self.nonImagesSkipped = nonImagesSkipped
        self.unknownLabels = unknownLabels
        self.missingFiles = missingFiles
    }
}

/// Finds the images of a domain: ImageFolder (class-name, WordNet-id or ImageNet-V2
/// numeric folders), a CSV manifest `path,label`, or a flat folder of unlabelled images.
///
/// With `objectNet` (an ObjectNet domain), folder names and manifest labels are ObjectNet's
/// folder or class names, each labelled with its first ImageNet class (`ObjectNetClasses.label(for:)`);
/// images of ObjectNet classes without an ImageNet match count as unknown labels.
package enum DatasetScanner {
    static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]
    /// Largest CSV manifest read: ~2 million rows of typical paths.
    static let maxManifestBytes = 256 << 20

    package static func scan(_ domain: PilotSpec.Domain, classes: ClassList, objectNet: ObjectNetClasses? = nil) throws -> DatasetScan {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: domain.path.path, isDirectory: &isDirectory) else {
            throw PilotError.dataset(path: domain.path.path, message: "does not exist")
        }
        if !isDirectory.boolValue {
            guard domain.path.pathExtension.lowercased() == "csv" else {
                throw PilotError.dataset(path: domain.path.path, message: "is a file; a domain is a folder of images or a CSV manifest (path,label)")
            }
            return try scanManifest(domain.path, classes: classes, labeled: domain.labels != .none, objectNet: objectNet)
        }
        return try scanFolder(domain.path, classes: classes, labeled: domain.labels != .none, objectNet: objectNet)
    }

    // MARK: Folders

    static func scanFolder(_ root: URL, classes: ClassList, labeled: Bool, objectNet: ObjectNetClasses? = nil) throws -> DatasetScan {
        var scan = DatasetScan(layout: .unlabeled, items: [], hiddenSkipped: 0, nonImagesSkipped: 0, unknownLabels: [:], missingFiles: [])
        var visited = VisitedFolders()
        _ = visited.firstVisit(root)
        let entries = try listing(root, scan: &scan)
        let folders = entries.filter { isDirectory($0) }
        let looseImages = entries.filter { !isDirectory($0) && isImage($0) }
        scan.nonImagesSkipped += entries.filter { !isDirectory($0) && !isImage($0) }.count

        var folderImages: [(name: String, files: [URL])] = []
        for folder in folders {
            let files = try imagesRecursively(in: folder, scan: &scan, visited: &visited)
            folderImages.append((folder.lastPathComponent, files))
        }
        let hasClassFolders = labeled && folderImages.contains { !$0.files.isEmpty }

        if !hasClassFolders {
            // A flat folder (or labels ignored): every image below the root, unlabelled.
            var files = looseImages
            for entry in folderImages { files += entry.files }
            scan.items = files.map { DatasetItem(url: $0, relativePath: relativePath($0, to: root), label: nil) }
                .sorted { $0.relativePath < $1.relativePath }
            return scan
        }

        let (layout, resolve) = objectNet.map { mapping in (DatasetScan.Layout.objectNetFolders, mapping.label(for:)) }
            ?? folderResolver(names: folderImages.filter { !$0.files.isEmpty }.map(\.name), classes: classes)
        scan.layout = layout
        for (name, files) in folderImages where !files.isEmpty {
            if let label = resolve(name) {
                scan.items += files.map { DatasetItem(url: $0, relativePath: relativePath($0, to: root), label: label) }
            } else {
                scan.unknownLabels[name, default: 0] += files.count
            }
        }
        if !looseImages.isEmpty { scan.unknownLabels["(images outside class folders)", default: 0] += looseImages.count }
        scan.items.sort { $0.relativePath < $1.relativePath }
        return scan
    }

    /// Decides how folder names map to classes: by name, by WordNet id, or by index.
    static func folderResolver(names: [String], classes: ClassList) -> (DatasetScan.Layout, (String) -> Int?) {
        let byName = lookup(classes.names)
        let byWnid = Dictionary(classes.wnids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let nameHits = names.filter { byName($0) != nil }.count
        let wnidHits = names.filter { byWnid[$0] != nil }.count
        let allNumeric = !names.isEmpty && names.allSatisfy { Int($0) != nil }
        if allNumeric && nameHits == 0 {
            return (.indexFolders, { name in Int(name).flatMap { classes.names.indices.contains($0) ? $0 : nil } })
        }
        if wnidHits > nameHits {
            return (.wordNetFolders, { byWnid[$0] })
        }
        return (.classNameFolders, byName)
    }

    /// Class-name lookup: exact, then case-insensitive with `_` read as a space.
    package static func lookup(_ names: [String]) -> (String) -> Int? {
        let exact = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let loose = Dictionary(names.enumerated().map { (normalize($1), $0) }, uniquingKeysWith: { first, _ in first })
        return { exact[$0] ?? loose[normalize($0)] }
    }

    static func normalize(_ name: String) -> String {
        name.replacingOccurrences(of: "_", with: " ").lowercased().trimmingCharacters(in: .whitespaces)
    }

    // MARK: Manifests

    static func scanManifest(_ url: URL, classes: ClassList, labeled: Bool, objectNet: ObjectNetClasses? = nil) throws -> DatasetScan {
        let text = try readTextFile(url, maxBytes: maxManifestBytes)
        var scan = DatasetScan(layout: labeled ? .manifest : .unlabeled, items: [], hiddenSkipped: 0, nonImagesSkipped: 0, unknownLabels: [:], missingFiles: [])
        let base = url.deletingLastPathComponent()
        let byName = lookup(classes.names)
        let byWnid = Dictionary(classes.wnids.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var rows = CSV.parse(text)
        if let header = rows.first, header.first?.lowercased() == "path" { rows.removeFirst() }
        for (index, row) in rows.enumerated() {
            guard let path = row.first, !path.isEmpty else { continue }
            guard row.count <= 2 else {
                throw PilotError.dataset(path: url.path, message: "row \(index + 1) has \(row.count) columns; expected path,label")
            }
            let file = path.hasPrefix("/") ? URL(fileURLWithPath: path) : base.appendingPathComponent(path)
            guard FileManager.default.fileExists(atPath: file.path) else {
                scan.missingFiles.append(path)
                continue
            }
            guard isImage(file) else {
                scan.nonImagesSkipped += 1
                continue
            }
            var label: Int?
            if labeled, row.count == 2, !row[1].isEmpty {
                let text = row[1]
                label = objectNet.map { $0.label(for: text) }
                    ?? byName(text) ?? byWnid[text] ?? Int(text).flatMap { classes.names.indices.contains($0) ? $0 : nil }
                if label == nil {
                    scan.unknownLabels[text, default: 0] += 1
                    continue
                }
            }
            scan.items.append(DatasetItem(url: file.standardizedFileURL, relativePath: path, label: label))
        }
        if labeled, !scan.items.contains(where: { $0.label != nil }) { scan.layout = .unlabeled }
        return scan
    }

    // MARK: Files

    private static func listing(_ folder: URL, scan: inout DatasetScan) throws -> [URL] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        } catch {
            throw PilotError.dataset(path: folder.path, message: "cannot be listed (\((error as NSError).localizedDescription))")
        }
        var entries: [URL] = []
        for name in names.sorted() {
            if name.hasPrefix(".") {
                scan.hiddenSkipped += 1
                continue
            }
            entries.append(folder.appendingPathComponent(name))
        }
        return entries
    }

    /// The images below `folder`, each real folder (device + inode, symlinks followed) listed
    /// once: a symlink to `.` or to a folder already seen adds nothing, so links can neither
    /// count an image twice nor loop.
    private static func imagesRecursively(in folder: URL, scan: inout DatasetScan, visited: inout VisitedFolders, depth: Int = 0) throws -> [URL] {
        guard depth < 64, visited.firstVisit(folder) else { return [] }
        var images: [URL] = []
        for entry in try listing(folder, scan: &scan) {
            if isDirectory(entry) {
                images += try imagesRecursively(in: entry, scan: &scan, visited: &visited, depth: depth + 1)
            } else if isImage(entry) {
                images.append(entry)
            } else {
                scan.nonImagesSkipped += 1
            }
        }
        return images
    }

    /// The real folders a scan has listed, by device and inode.
    struct VisitedFolders {
        private var seen: Set<[UInt64]> = []

        /// True the first time the folder behind `url` is seen (and for folders that cannot be stat'ed).
        mutating func firstVisit(_ url: URL) -> Bool {
            var status = stat()
            guard stat(url.path, &status) == 0 else { return true }
            return seen.insert([UInt64(status.st_dev), UInt64(status.st_ino)]).inserted
        }
    }

    /// Follows symlinks.
    package static func isDirectory(_ url: URL) -> Bool {
        var flag: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &flag) && flag.boolValue
    }

    static func isImage(_ url: URL) -> Bool {
        imageExtensions.contains(url.pathExtension.lowercased())
    }

    static func relativePath(_ url: URL, to root: URL) -> String {
        let rootPath = root.standardizedFileURL.path
        let path = url.standardizedFileURL.path
        return path.hasPrefix(rootPath + "/") ? String(path.dropFirst(rootPath.count + 1)) : path
    }
}
