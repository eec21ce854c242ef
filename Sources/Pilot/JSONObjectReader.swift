import Foundation
import Support

/// Reads one JSON object of a spec strictly: every key must be consumed or it is an
/// error naming its JSON path (keys starting with `//` are comments), and every value
/// is type-checked with its path.
struct JSONObjectReader {
    let file: String
    let path: String
    private let object: [String: Any]
    private var consumed: Set<String> = []

    init(_ value: Any, file: String, path: String) throws {
        guard let object = value as? [String: Any] else { throw PilotError.wrongType(file: file, path: path.isEmpty ? "the spec" : path, expected: "an object") }
        self.object = object
        self.file = file
        self.path = path
    }

    func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    mutating func raw(_ key: String) -> Any? {
        consumed.insert(key)
        guard let value = object[key], !(value is NSNull) else { return nil }
        return value
    }

    mutating func string(_ key: String) throws -> String? {
        guard let value = raw(key) else { return nil }
        guard let text = value as? String else { throw PilotError.wrongType(file: file, path: childPath(key), expected: "a string") }
        return text
    }

    mutating func requiredString(_ key: String) throws -> String {
        guard let text = try string(key) else { throw PilotError.missingKey(file: file, path: childPath(key)) }
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw PilotError.invalidValue(file: file, path: childPath(key), message: "must not be empty")
        }
        return text
    }

    mutating func bool(_ key: String) throws -> Bool? {
        guard let value = raw(key) else { return nil }
        // JSONSerialization gives NSNumber for both numbers and booleans; tell them apart by type id.
        guard let number = value as? NSNumber, isBoolean(number) else {
            throw PilotError.wrongType(file: file, path: childPath(key), expected: "true or false")
        }
        return number.boolValue
    }

    mutating func number(_ key: String) throws -> Double? {
        guard let value = raw(key) else { return nil }
        guard let number = value as? NSNumber, !isBoolean(number), number.doubleValue.isFinite else {
            throw PilotError.wrongType(file: file, path: childPath(key), expected: "a number")
        }
        return number.doubleValue
    }

    mutating func integer(_ key: String) throws -> Int? {
        guard let value = try number(key) else { return nil }
        guard value == value.rounded(), abs(value) < 1e15 else {
            throw PilotError.wrongType(file: file, path: childPath(key), expected: "a whole number")
        }
        return Int(value)
    }

    mutating func numbers(_ key: String) throws -> [Double]? {
        guard let value = raw(key) else { return nil }
        guard let array = value as? [Any] else { throw PilotError.wrongType(file: file, path: childPath(key), expected: "an array of numbers") }
        return try array.enumerated().map { index, element in
            guard let number = element as? NSNumber, !isBoolean(number), number.doubleValue.isFinite else {
                throw PilotError.wrongType(file: file, path: "\(childPath(key))[\(index)]", expected: "a number")
            }
            return number.doubleValue
        }
    }

    mutating func array(_ key: String) throws -> [Any]? {
        guard let value = raw(key) else { return nil }
        guard let array = value as? [Any] else { throw PilotError.wrongType(file: file, path: childPath(key), expected: "an array") }
        return array
    }

    /// Throws for the first key that was never read, suggesting the closest known one.
    func finish(known: [String]) throws {
        // Keys starting with "//" are comments (JSON has none of its own).
        for key in object.keys.sorted() where !consumed.contains(key) && !key.hasPrefix("//") {
            throw PilotError.unknownKey(file: file, path: childPath(key), suggestion: closestMatch(to: key, among: known))
        }
    }
}

/// Whether a JSONSerialization number is really `true`/`false` (objCType "c" on every platform).
func isBoolean(_ number: NSNumber) -> Bool {
    String(cString: number.objCType) == "c"
}
