import Foundation
import Support

/// open_clip's default `SimpleTokenizer` (OpenAI CLIP's byte-level BPE), reproduced
/// without Python: same cleaning (`Tokenizer.clean`), same pre-split, same byte-to-unicode
/// mapping, `</w>` word ends, merges applied by rank, `<start_of_text>` = 49406 and
/// `<end_of_text>` = 49407 for the shipped vocabulary, rows of `contextLength` (77) ids
/// truncated so that the end token survives, zero padded.
///
/// The cleaning is open_clip's in full: ftfy's `fix_text` with its defaults, mojibake repair
/// included (`TextFixer`), Python's `html.unescape` twice, Python's whitespace and
/// `str.lower()` (Python 3.11's Unicode 14 where versions differ). Token ids and cleaned text
/// equal open_clip's for every prompt of `Tests/CLIPTests/Fixtures/text_fidelity.json.gz`
/// (4,000+ generated prompts: mojibake of many kinds, every HTML5 name, numeric references,
/// width forms, ligatures, controls, combining marks, long and empty text) and of
/// `tokenizer.json`; docs/text.md says what is reproduced and how it is checked.
public struct Tokenizer: Sendable {
    /// open_clip's context length for every CLIP model.
    public static let defaultContextLength = 77
    /// How many merges of the vocabulary file open_clip uses (49152 − 256 − 2).
    static let mergeCount = 49152 - 256 - 2

    let startOfText: Int32
    let endOfText: Int32
    public let contextLength: Int
    /// Number of ids (`endOfText + 1`): 49408 for the shipped vocabulary.
    var vocabularySize: Int { Int(endOfText) + 1 }

    /// Token string → id.
    let encoder: [String: Int32]
    /// "first second" → merge rank (lower merges first).
    let ranks: [String: Int]
    /// Byte value → its printable stand-in.
    let byteEncoder: [String]
    /// Ids of pieces already merged (prompt sets repeat the same words many times).
    let cache = PieceCache()

    /// Builds the tokenizer from the text of `bpe_simple_vocab_16e6.txt` (decompressed):
    /// a header line, then one merge per line ("a b"). Throws if it holds too few merges.
    public init(vocabularyText text: String, contextLength: Int = Tokenizer.defaultContextLength) throws {
        guard contextLength >= 2 else { throw CLIPError.badInput("context length \(contextLength) leaves no room for start and end") }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count > Self.mergeCount else {
            throw CLIPError.badVocabulary("\(max(lines.count - 1, 0)) merge lines, expected at least \(Self.mergeCount)")
        }
        lines = Array(lines[1...Self.mergeCount])
        let byteEncoder = Self.bytesToUnicode()
        self.byteEncoder = byteEncoder
        // Ids follow open_clip's dict order: printable bytes first, then the others.
        let byteOrder = (0..<256).filter(Self.isPrintable) + (0..<256).filter { !Self.isPrintable($0) }
        var vocabulary = byteOrder.map { byteEncoder[$0] }
        vocabulary += vocabulary.map { $0 + "</w>" }
        var ranks: [String: Int] = [:]
        ranks.reserveCapacity(lines.count)
        for (rank, line) in lines.enumerated() {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else { throw CLIPError.badVocabulary("merge line \(rank + 2) is '\(line)', expected two symbols") }
            let key = String(parts[0]) + " " + String(parts[1])
            if ranks[key] == nil { ranks[key] = rank }
            vocabulary.append(String(parts[0]) + String(parts[1]))
        }
        vocabulary += ["<start_of_text>", "<end_of_text>"]
        var encoder: [String: Int32] = [:]
        encoder.reserveCapacity(vocabulary.count)
        for (id, token) in vocabulary.enumerated() { encoder[token] = Int32(id) }  // later duplicates win, as in dict(zip(...))
        self.encoder = encoder
        self.ranks = ranks
        startOfText = Int32(vocabulary.count - 2)
        endOfText = Int32(vocabulary.count - 1)
        self.contextLength = contextLength
    }

    /// Reads the vocabulary file at `url`, gzip-compressed (`bpe_simple_vocab_16e6.txt.gz`,
    /// as shipped in `assets/clip/`) or plain text.
    public init(vocabularyAt url: URL, contextLength: Int = Tokenizer.defaultContextLength) throws {
        let bytes: [UInt8]
        do {
            bytes = [UInt8](try Data(contentsOf: url))
        } catch {
            throw CLIPError.badVocabulary("cannot read \(url.path): \(error.localizedDescription)")
        }
        var text = bytes
        if bytes.starts(with: [0x1F, 0x8B]) {
            do {
                text = try Inflate.gzip(bytes, maxOutputSize: 16 << 20)
            } catch {
                throw CLIPError.badVocabulary("\(url.path): \(error)")
            }
        }
        guard let decoded = String(validating: text, as: UTF8.self) else {
            throw CLIPError.badVocabulary("\(url.path) is not UTF-8 text")
        }
        try self.init(vocabularyText: decoded, contextLength: contextLength)
    }

    /// The ids of `text` without start/end tokens, untruncated.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for piece in Self.preSplit(Self.clean(text)) {
            switch piece {
            case "<start_of_text>": ids.append(startOfText)
            case "<end_of_text>": ids.append(endOfText)
            default:
                if let known = cache[piece] {
                    ids += known
                    continue
                }
                // Every merge result is in the vocabulary by construction.
                let pieceIDs = bpe(piece.utf8.map { byteEncoder[Int($0)] }).compactMap { encoder[$0] }
                cache[piece] = pieceIDs
                ids += pieceIDs
            }
        }
        return ids
    }

    /// One row of `contextLength` ids: start, the text's ids, end, zeros. Too long a text
    /// is cut so that the row still ends with the end token (open_clip's truncation).
    public func tokenize(_ text: String) -> [Int32] {
        var ids = [startOfText] + encode(text) + [endOfText]
        if ids.count > contextLength {
            ids = Array(ids.prefix(contextLength))
            ids[contextLength - 1] = endOfText
        }
        return ids + [Int32](repeating: 0, count: contextLength - ids.count)
    }

    /// `tokenize` for each text.
    public func tokenize(_ texts: [String]) -> [[Int32]] {
        texts.map { tokenize($0) }
    }

    /// Byte-pair merges of one pre-split piece given as byte stand-ins; the last symbol
    /// carries the `</w>` word-end marker.
    func bpe(_ characters: [String]) -> [String] {
        guard var last = characters.last else { return [] }
        last += "</w>"
        var word = Array(characters.dropLast()) + [last]
        while word.count > 1 {
            var best: (rank: Int, index: Int)?
            for i in 0..<(word.count - 1) {
                if let rank = ranks[word[i] + " " + word[i + 1]], rank < (best?.rank ?? .max) { best = (rank, i) }
            }
            guard let (_, index) = best else { break }
            let first = word[index], second = word[index + 1]
            var merged: [String] = []
            merged.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i + 1 < word.count, word[i] == first, word[i + 1] == second {
                    merged.append(first + second)
                    i += 2
                } else {
                    merged.append(word[i])
                    i += 1
                }
            }
            word = merged
        }
        return word
    }

    static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// GPT-2/CLIP's reversible byte → printable character table: printable Latin-1 bytes
    /// map to themselves, the other 68 bytes to U+0100 onwards in byte order.
    static func bytesToUnicode() -> [String] {
        var table = [String](repeating: "", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let printable = isPrintable(byte)
            let scalar = printable ? UInt32(byte) : next
            if !printable { next += 1 }
            table[byte] = String(Character(Unicode.Scalar(scalar)!))
        }
        return table
    }
}

/// A thread-safe memo of piece → ids, bounded so that odd inputs cannot grow it forever.
/// Pieces are told apart by their UTF-8 bytes: `String`'s own equality would let one piece
/// answer for a canonically equivalent one ("\u{307}\u{93C}" for "\u{93C}\u{307}"), whose
/// bytes, and so ids, differ.
final class PieceCache: @unchecked Sendable {
    static let capacity = 100_000
    private let lock = NSLock()
    private var ids: [Key: [Int32]] = [:]

    struct Key: Hashable {
        let piece: String

        static func == (a: Key, b: Key) -> Bool { a.piece.utf8.elementsEqual(b.piece.utf8) }

        func hash(into hasher: inout Hasher) {
            var piece = piece
            piece.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
        }
    }

    subscript(piece: String) -> [Int32]? {
        get { lock.withLock { ids[Key(piece: piece)] } }
        set {
            lock.withLock {
                if ids.count >= Self.capacity { ids.removeAll(keepingCapacity: true) }
                ids[Key(piece: piece)] = newValue
            }
        }
    }
}
