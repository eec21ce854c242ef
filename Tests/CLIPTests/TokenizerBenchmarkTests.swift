import Foundation
import XCTest
@testable import CLIP

/// Tokenizer throughput on the ImageNet zero-shot head's prompts (1,000 class names × the
/// 80 OpenAI templates = 80,000 prompts). Skipped unless SHIFTLENS_BENCH=1 (timings are not
/// assertions). Run it on a release build:
///
///     SHIFTLENS_BENCH=1 swift test -c release -Xswiftc -enable-testing --filter TokenizerBenchmarkTests
///
/// Prints prompts and tokens per second of thread CPU time (min / median / max of 5 runs,
/// one thread) for the cleaning alone and for cleaning + BPE with an empty piece cache, as
/// a zero-shot head build sees it; then for the cleaning of the text-fidelity fixture's
/// prompts, where nearly every prompt needs ftfy's repairs.
final class TokenizerBenchmarkTests: XCTestCase {
    private func cpuSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    func testImageNetHeadThroughput() throws {
        guard ProcessInfo.processInfo.environment["SHIFTLENS_BENCH"] == "1" else { throw XCTSkip("set SHIFTLENS_BENCH=1") }
        let assets = Fixtures.packageRoot.appendingPathComponent("assets")
        func lines(_ path: String) throws -> [String] {
            try String(contentsOf: assets.appendingPathComponent(path), encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let classNames = try lines("imagenet/classnames.txt"), templates = try lines("imagenet/templates-openai-80.txt")
        let prompts = classNames.flatMap { name in templates.map { $0.replacingOccurrences(of: "{c}", with: name) } }
        let vocabulary = try Tokenizer(vocabularyAt: assets.appendingPathComponent("clip/bpe_simple_vocab_16e6.txt.gz"))
        let tokenCount = prompts.reduce(0) { $0 + vocabulary.encode($1).count }

        // One tokenizer per run, so that every run starts with an empty piece cache.
        let fresh = try (0..<5).map { _ in try Tokenizer(vocabularyAt: assets.appendingPathComponent("clip/bpe_simple_vocab_16e6.txt.gz")) }

        func measure(_ label: String, prompts: [String] = prompts, tokenCount: Int = tokenCount, _ body: (Int) -> Void) {
            var seconds = [Double]()
            for run in 0..<5 {
                let start = cpuSeconds()
                body(run)
                seconds.append(cpuSeconds() - start)
            }
            seconds.sort()
            print(String(format: "bench tokenizer %@, %d prompts, %d tokens: prompts/s of thread CPU time min %.0f / median %.0f / max %.0f; tokens/s min %.0f / median %.0f / max %.0f",
                         label, prompts.count, tokenCount,
                         Double(prompts.count) / seconds[4], Double(prompts.count) / seconds[2], Double(prompts.count) / seconds[0],
                         Double(tokenCount) / seconds[4], Double(tokenCount) / seconds[2], Double(tokenCount) / seconds[0]))
        }
        measure("clean") { _ in
            var characters = 0
            for prompt in prompts { characters &+= Tokenizer.clean(prompt).utf8.count }
            XCTAssertGreaterThan(characters, 0)
        }
        measure("clean + BPE, empty cache") { run in
            let tokenizer = fresh[run]
            var ids = 0
            for prompt in prompts { ids &+= tokenizer.tokenize(prompt).count }
            XCTAssertEqual(ids, prompts.count * tokenizer.contextLength)
        }
        // The worst case for cleaning: the text-fidelity fixture's prompts, nearly all of them
        // mojibake, references, controls or non-Latin text.
        let hard = try TextFidelityTests.golden().prompts.map(\.text)
        measure("clean, text-fidelity prompts", prompts: hard, tokenCount: hard.reduce(0) { $0 + vocabulary.encode($1).count }) { _ in
            var characters = 0
            for prompt in hard { characters &+= Tokenizer.clean(prompt).utf8.count }
            XCTAssertGreaterThan(characters, 0)
        }
    }
}
