import Foundation

/// ObjectNet's classes as the ImageNet testbed evaluates them, from the mapping files shipped
/// in `assets/imagenet/objectnet/` (see that folder's README for their source).
///
/// 113 of ObjectNet's 313 classes overlap ImageNet; they map to 125 ImageNet classes, each
/// ImageNet class under exactly one ObjectNet class. The testbed restricts the head to those 125
/// classes and counts a prediction correct when it is any ImageNet class mapped to the image's
/// ObjectNet class. An ObjectNet image is labelled here with the first (lowest-index) ImageNet
/// class of its ObjectNet class; `groups` then makes every class of that ObjectNet class correct.
package struct ObjectNetClasses: Sendable, Equatable {
    /// The ObjectNet classes that overlap ImageNet, sorted by name.
    package let names: [String]
    /// Per ObjectNet class (same order as `names`), the ImageNet class indices it maps to, ascending.
    let imagenetClasses: [[Int]]
    /// ObjectNet's folder names (e.g. `alarm_clock`) of those classes → ObjectNet class index.
    package let folders: [String: Int]
    /// Folder and class names, normalised (`DatasetScanner.normalize`) → ObjectNet class index.
    private let lookup: [String: Int]

    package init(names: [String], imagenetClasses: [[Int]], folders: [String: Int]) {
        self.names = names
        self.imagenetClasses = imagenetClasses
        self.folders = folders
        var lookup: [String: Int] = [:]
        for (index, name) in names.enumerated() { lookup[DatasetScanner.normalize(name)] = index }
        for (folder, index) in folders { lookup[DatasetScanner.normalize(folder)] = index }
        self.lookup = lookup
    }

    /// Reads the three mapping files; throws when one is missing or unreadable, or when a name
    /// does not resolve to exactly one ImageNet class.
    package static func load(assets: Assets) throws -> ObjectNetClasses {
        let folder = assets.url("imagenet/objectnet")
        let toImagenet = try stringMap(folder.appendingPathComponent("objectnet_to_imagenet_1k.json"))
        let folderNames = try stringMap(folder.appendingPathComponent("folder_to_objectnet_label.json"))
        let indexNames = folder.appendingPathComponent("imagenet_to_labels.json")
        var indexByName: [String: Int?] = [:]
        for (key, name) in try stringMap(indexNames) {
            guard let index = Int(key), (0..<1000).contains(index) else {
                throw PilotError.dataset(path: indexNames.path, message: "key \"\(key)\" is not an ImageNet class index")
            }
            // A name used by two classes ("crane") cannot be resolved; it must not be mapped.
            indexByName[name] = indexByName[name] == nil ? index : .some(nil)
        }
        let names = toImagenet.keys.sorted()
        let classes = try names.map { name in
            try toImagenet[name]!.components(separatedBy: "; ").map { imagenetName in
                guard let index = indexByName[imagenetName], let index else {
                    throw PilotError.dataset(
                        path: folder.appendingPathComponent("objectnet_to_imagenet_1k.json").path,
                        message: "ImageNet class \"\(imagenetName)\" of \"\(name)\" is not exactly one class of imagenet_to_labels.json")
                }
                return index
            }.sorted()
        }
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        var folders: [String: Int] = [:]
        for (folderName, label) in folderNames { if let index = position[label] { folders[folderName] = index } }
        let mapping = ObjectNetClasses(names: names, imagenetClasses: classes, folders: folders)
        guard Set(mapping.headClasses).count == mapping.headClasses.count, folders.count >= names.count else {
            throw PilotError.dataset(path: folder.path, message: "the ObjectNet mapping files do not give one ObjectNet class per ImageNet class and a folder per class")
        }
        return mapping
    }

    /// The ImageNet classes the head keeps, ascending (125 with the shipped mapping).
    var headClasses: [Int] { imagenetClasses.flatMap { $0 }.sorted() }

    /// For each of `headClasses`, its ObjectNet class index: the class groups of an ObjectNet
    /// domain (a prediction is correct when its group is the label's group).
    package var groups: [Int] {
        var group: [Int: Int] = [:]
        for (objectNetClass, list) in imagenetClasses.enumerated() { for c in list { group[c] = objectNetClass } }
        return headClasses.map { group[$0]! }
    }

    /// The ImageNet class an image is labelled with, from its folder name (`alarm_clock`) or its
    /// ObjectNet class name (`Alarm clock`; case and `_`/space ignored): the first ImageNet class
    /// of its ObjectNet class. `nil` for ObjectNet classes that do not overlap ImageNet.
    package func label(for name: String) -> Int? {
        (folders[name] ?? lookup[DatasetScanner.normalize(name)]).map { imagenetClasses[$0][0] }
    }

    private static func stringMap(_ url: URL) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PilotError.dataset(path: url.path, message: "cannot be read")
        }
        guard let map = (try? JSONSerialization.jsonObject(with: data)) as? [String: String] else {
            throw PilotError.dataset(path: url.path, message: "is not a JSON object of strings")
        }
        return map
    }
}
