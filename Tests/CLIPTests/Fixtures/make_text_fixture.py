#!/usr/bin/env python3
"""Golden text-cleaning fixture for Tests/CLIPTests/TextFidelityTests.swift.

    python3 Tests/CLIPTests/Fixtures/make_text_fixture.py
    python3 Tests/CLIPTests/Fixtures/make_text_fixture.py --seed 7 --count 100000 --out /tmp/more.json.gz

The first writes the committed `text_fidelity.json.gz`; the second a larger set of the same
kinds for a one-off check (`SHIFTLENS_TEXT_FIXTURE=/tmp/more.json.gz swift test --filter
TextFidelityTests` then checks that file too). Contents:

- `prompts`: seeded random prompts mixing plain English (ImageNet class names in the OpenAI
  templates), Japanese, full-width and half-width forms, ligatures, curly quotes, mojibake of
  many kinds (UTF-8 read as Latin-1, Windows-1250/1251/1252/1253/1254/1257, ISO-8859-2,
  MacRoman, CP437; twice; with A0 bytes turned into spaces; with bytes lost to U+FFFD or '?';
  CESU-8; embedded in clean text), HTML named references in every spelling (HTML5 names,
  legacy names without ';', ALL-CAPS, wrong case, double-escaped), numeric references
  (0x80-0x9F, surrogates, out of range, 0, the code points Python drops, CR, ';'), C1 and
  other controls, terminal escapes, emoji, combining marks, '<' and '>', line breaks, texts
  far past 77 tokens, empty and whitespace-only lines; then prompts covering every HTML5 name
  (with and without a '<', which switches ftfy's own unescaping off) and every ALL-CAPS name
  ftfy accepts. For each: open_clip's cleaned text (`_clean_lower`) and its token ids
  (`open_clip.get_tokenizer("ViT-B-32")`, context 77) without the trailing zero padding.
- `badness`: short random strings over the characters of ftfy's mojibake heuristic with
  `ftfy.badness.is_bad` for each.
- `versions`: Python, its Unicode version, open_clip, ftfy, regex.
"""
import argparse
import gzip
import html.entities
import json
import os
import random
import sys
import unicodedata

import ftfy
import ftfy.bad_codecs  # noqa: F401  (sloppy-* and utf-8-variants codecs)
import open_clip
import regex
from ftfy import badness
from open_clip.tokenizer import _clean_lower

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
SEED = 20
RANDOM_PROMPTS = 3600

rng = random.Random()


def lines(path):
    with open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return [line.rstrip("\n") for line in f if line.strip()]


CLASSNAMES = lines("assets/imagenet/classnames.txt")
TEMPLATES = lines("assets/imagenet/templates-openai-80.txt")
HTML5 = html.entities.html5
NAMES = list(HTML5)
SEMICOLON_NAMES = [n for n in NAMES if n.endswith(";")]
LEGACY_NAMES = [n for n in NAMES if not n.endswith(";")]
FTFY_UPPER = [k for k in ftfy.chardata.HTML_ENTITIES if k[1:] not in HTML5]  # "&EACUTE;" and the like

# Words that UTF-8 mojibake is usually made of.
INTERNATIONAL = [
    "café", "naïve", "über", "crème brûlée", "São Paulo", "Zürich", "Kraków", "Łódź", "Ångström",
    "señor", "façade", "Øresund", "İstanbul", "Đà Nẵng", "Türkçe", "ğüşöç", "résumé", "jalapeño",
    "piñata", "smörgåsbord", "déjà vu", "à la mode", "Ça va", "voilà le travail", "às vezes",
    "àquele", "fácil", "Ελληνικά", "ΟΔΟΣ ΣΑΣ", "Москва", "Россия", "привет мир", "Київ", "Беларусь",
    "日本語", "東京タワー", "中文", "한국어", "مرحبا", "שלום", "नमस्ते", "ภาษาไทย", "ąčęėįšųūž",
    "Dvořák", "Škoda", "Ørsted", "Ærø", "ƒ", "—", "–", "…", "•", "“quoted”", "‘single’", "€5",
    "£3", "¥100", "½ cup", "©2020", "™", "®", "°C", "±3", "×2", "µm", "§ 3", "¶", "¿qué?", "¡hola!",
    "«guillemets»", "‹one›", "„low“", "†", "‡", "‰", "Œuvre", "œuf", "Ÿ", "ž", "š", "ˆ", "˜",
    "🐶", "🐱", "👍🏽", "🇯🇵", "👨‍👩‍👧", "𝒥", "\u00a0", "a\u00a0b", "Ã", "Â",
]

ENCODINGS = [
    "latin-1", "windows-1252", "sloppy-windows-1252", "sloppy-windows-1251", "sloppy-windows-1250",
    "sloppy-windows-1253", "sloppy-windows-1254", "sloppy-windows-1257", "iso-8859-2", "macroman", "cp437",
]

JAPANESE = [
    "猫の写真", "犬と散歩", "桜の花", "富士山の絵", "ラーメンの写真", "東京の夜景", "新幹線", "日本語のテキスト",
    "かわいいパンダ", "コーヒーカップ", "ゴールデンレトリバー", "サメの写真です。", "「引用」と『書名』", "１２３円",
]

LIGATURES = "ﬀﬁﬂﬃﬄﬅﬆĲĳŉǄǅǆǇǈǉǊǋǌǱǲǳ"
QUOTES = "‘’‚‛“”„‟ʼ'\"`´"
SPACES = [" ", "  ", "\t", "\u3000", "\u00a0", "\u2003", "\u2028", "\u2029", "\u0085", "\r\n", "\r", "\n", "\x0b", "\x0c", "\x1c"]
CONTROLS = [chr(c) for c in list(range(0, 9)) + [0x0B, 0x0E, 0x1A, 0x1B, 0x1F, 0x7F]] + [
    "\u200b", "\u200c", "\u200d", "\u200e", "\u202e", "\u206a", "\u206f", "\ufeff", "\ufff9", "\ufffb", "\ufffc", "\ufffd",
]


def english():
    return rng.choice(TEMPLATES).replace("{c}", rng.choice(CLASSNAMES))


def word():
    return rng.choice(rng.choice(CLASSNAMES).split() or ["dog"])


def fullwidth(text):
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else ("\u3000" if c == " " else c) for c in text)


def halfwidth_katakana():
    chars = [chr(c) for c in range(0xFF61, 0xFFA0)] + [chr(c) for c in range(0xFFA0, 0xFFDD) if unicodedata.category(chr(c)) != "Cn"]
    return "".join(rng.choice(chars) for _ in range(rng.randint(1, 8)))


def ligature_word():
    w = list(word())
    for _ in range(rng.randint(1, 3)):
        w.insert(rng.randint(0, len(w)), rng.choice(LIGATURES))
    return "".join(w)


def quoted():
    q = rng.choice(QUOTES)
    return q + english() + rng.choice(QUOTES) + rng.choice(["", "s", "t", "re", "ll", "d", "m", "ve", "ſ", "S"])


def mojibake_once(text, encoding):
    # Strict windows-1252 loses its five undefined bytes to U+FFFD; the others keep every byte.
    return text.encode("utf-8").decode(encoding, errors="replace")


def mojibake():
    text = rng.choice(INTERNATIONAL)
    if rng.random() < 0.5:
        sentence = english()
        text = sentence.replace(rng.choice(sentence.split()), text, 1) if rng.random() < 0.5 else text + " " + word()
    kind = rng.random()
    encoding = rng.choice(ENCODINGS)
    broken = mojibake_once(text, encoding)
    if kind < 0.15:  # twice
        broken = mojibake_once(broken, rng.choice(ENCODINGS))
    elif kind < 0.30:  # A0 bytes turned into spaces
        broken = broken.replace("\u00a0", " ")
    elif kind < 0.40:  # lost bytes written as '?'
        broken = broken.replace("\ufffd", "?")
    elif kind < 0.50:  # embedded in clean text
        broken = rng.choice(INTERNATIONAL) + " " + broken + " " + rng.choice(INTERNATIONAL)
    elif kind < 0.55:  # CESU-8 or Java's C0 80 for U+0000, read as a single-byte encoding
        astral = rng.choice(["🐶", "👍", "𝒥", "😀"])
        units = astral.encode("utf-16-be")
        cesu = b"".join(chr(int.from_bytes(units[k:k + 2], "big")).encode("utf-8", "surrogatepass") for k in (0, 2))
        raw = rng.choice([cesu, b"\xc0\x80", cesu + b" " + "é".encode()])
        broken = text + " " + raw.decode(rng.choice(["latin-1", "sloppy-windows-1252"]))
    elif kind < 0.60:  # a character split off
        broken = broken[: rng.randint(0, len(broken))]
    return broken


def named_reference():
    kind = rng.random()
    if kind < 0.35:
        name = rng.choice(SEMICOLON_NAMES)
    elif kind < 0.55:
        name = rng.choice(LEGACY_NAMES) + rng.choice(["", "x", "2020", ";", " ", "it;", "&", "#"])
    elif kind < 0.75:
        name = rng.choice(FTFY_UPPER)[1:]
    elif kind < 0.85:  # wrong case, mixed case
        base = rng.choice(SEMICOLON_NAMES)
        name = "".join(c.upper() if rng.random() < 0.5 else c for c in base)
    else:  # made-up, too long, double-escaped
        name = rng.choice(["bogus;", "a" * rng.randint(20, 40) + ";", "amp;" + rng.choice(SEMICOLON_NAMES),
                           "AMP;" + rng.choice(SEMICOLON_NAMES), "amp;amp;lt;", "#38;eacute;", "", ";"])
    return "&" + name


def numeric_reference():
    value = rng.choice([
        rng.randint(0x80, 0x9F), rng.randint(0xD800, 0xDFFF), rng.randint(0x110000, 0x10000000), 0,
        rng.randint(1, 8), 0x0B, rng.randint(0x0E, 0x1F), 0x7F, rng.randint(0xFDD0, 0xFDEF),
        rng.choice([0xFFFE, 0xFFFF, 0x1FFFE, 0x10FFFF]), 0x0D, 59, 38, 60, 62, 35, 0x0A, 0x09, 0x0C,
        rng.randint(0x20, 0x7E), rng.randint(0xA0, 0x2FFF), rng.randint(0x1F300, 0x1FAFF), 10 ** 30,
    ])
    digits = rng.choice([f"{value}", f"x{value:x}", f"X{value:X}", f"x{value:X}", f"000{value}"])
    return "&#" + digits + rng.choice([";", ";", "", " ", "a;", "g"])


def emoji():
    return rng.choice(["🐶", "🐱🐟", "👍🏽", "👨‍👩‍👧", "🇯🇵🇫🇷", "🏴\U000e0067\U000e0062\U000e0077\U000e006c\U000e0073\U000e007f",
                       "❤️", "☺", "1️⃣", "🧑🏿‍🚀", "🫠"])


def combining():
    base = rng.choice(["e", "a", "o", "u", "n", "α", "ω", "η", "ι", "k", "ᄀ", "가", "각", "か", "ﾊ", "İ", "ſ", "ཀ", "क", "ᬅ"])
    marks = "".join(rng.choice(["\u0301", "\u0300", "\u0308", "\u0303", "\u0345", "\u0327", "\u0323", "\u0302",
                                "\u1161", "\u11a8", "\u3099", "\u309a", "\uff9e", "\uff9f", "\u20dd", "\u0f71",
                                "\u0f72", "\u0f73", "\u0f75", "\u0f81", "\u093c", "\u1b35"]) for _ in range(rng.randint(1, 3)))
    return base + marks


def markup():
    return rng.choice(["<b>", "</b>", "<i>bold</i>", "a < b", "x > y", "<", ">", "<3", "&lt;b&gt;", "&LT;", "&GT;", "<br/>"])


def control():
    return rng.choice(CONTROLS + [
        "\x1b[31m", "\x1b[0m", "\x1b[1;32m", "\x1b[", "\x1b[١m", "\x1b\x01[3m", "\x1b[3\x01m",
        "".join(chr(rng.randint(0x80, 0x9F)) for _ in range(rng.randint(1, 3))),
    ])


def special_tokens():
    return rng.choice(["<start_of_text>", "<end_of_text>", "<START_OF_TEXT>", "<ſtart_of_text>", "<end_of_text",
                       "'s", "'ſ", "'S", "'LL", "it's", "DON'T"])


def long_text():
    return " ".join(english() for _ in range(rng.randint(8, 20)))


FRAGMENTS = {
    "english": english, "japanese": lambda: rng.choice(JAPANESE), "fullwidth": lambda: fullwidth(english()),
    "halfwidth": halfwidth_katakana, "ligature": ligature_word, "quotes": quoted, "mojibake": mojibake,
    "named": named_reference, "numeric": numeric_reference, "emoji": emoji, "combining": combining,
    "markup": markup, "control": control, "space": lambda: rng.choice(SPACES), "special": special_tokens,
    "international": lambda: rng.choice(INTERNATIONAL), "long": long_text,
}
WEIGHTS = {"english": 3, "mojibake": 6, "named": 4, "numeric": 3, "long": 0.3}


def random_prompt():
    roll = rng.random()
    if roll < 0.02:
        return "blank", rng.choice(["", " ", "   ", "\t", "\u3000", "\u00a0", "\u2028", "\r", "\x85", "&nbsp;", "\ufeff"])
    kinds = list(FRAGMENTS)
    weights = [WEIGHTS.get(k, 1) for k in kinds]
    chosen = rng.choices(kinds, weights, k=rng.randint(1, 6))
    separators = ["", " ", " ", " ", ", ", "-", "\n", ";", "&"]
    text = ""
    for i, kind in enumerate(chosen):
        if i:
            text += rng.choice(separators)
        text += FRAGMENTS[kind]()
    return "+".join(sorted(set(chosen))), text


def coverage_prompts():
    """Every HTML5 name through html.unescape alone (a '<' switches ftfy's unescaping off) and
    through ftfy; every ALL-CAPS name ftfy adds; each legacy name followed by a letter."""
    out = []

    def chunks(items, size):
        return [items[k:k + size] for k in range(0, len(items), size)]

    for group in chunks(NAMES, 8):
        out.append(("html5-via-html.unescape", "< " + " ".join("&" + n for n in group)))
        out.append(("html5-via-ftfy", " ".join("&" + n for n in group)))
    for group in chunks(FTFY_UPPER, 8):
        out.append(("ftfy-all-caps", " ".join(group)))
    for group in chunks(LEGACY_NAMES, 6):
        out.append(("legacy-prefix", " ".join("&" + n + "x &" + n + "2;" for n in group)))
    for value in list(range(0, 0x100)) + [0xD800, 0xDFFF, 0xFDD0, 0xFFFE, 0x10FFFF, 0x110000]:
        out.append(("numeric-via-ftfy", f"&#{value}; &#x{value:X}; &#{value}x"))
        out.append(("numeric-via-html.unescape", f"< &#{value}; &#x{value:X} &#{value}x"))
    # The examples; "İ" lower-cases to "i" + U+0307, which stays before a nukta although
    # NFC would order them the other way, so two canonically equivalent pieces must keep their
    # own ids; singletons (Kelvin sign, Greek question mark) are no entity names.
    for text in ["cafÃ©", "naÃ¯ve", "Ã¼ber", "&NBSP;", "&EACUTE;", "&Lt;", "&AMP;", "&ampx", "&#128;",
                 "x\u093c\u0307", "İ\u093c", "x\u093c\u0307 İ\u093c", "&\u212aappa; &Kappa;", "&amp\u037e &amp;"]:
        out.append(("examples", text))
    # A '<' switches ftfy's unescaping off for its line and every later one, not earlier ones.
    for text in ["&eacute;\n<b> &eacute;\n&eacute;", "&EACUTE;\n&EACUTE; >\n&EACUTE;", "a\r\n&amp;eacute;\r<\n&amp;eacute;"]:
        out.append(("lines", text))
    return out


def badness_strings(count):
    alphabet = sorted(set("".join(badness.MOJIBAKE_CATEGORIES.values()).replace("-", ""))) + list("aZ .,?!_1\n\t") + list(
        "€œŠš¢£Ÿž\xa0\xad®©°·»–—´×²³ØÙà√±∂†≠™≤≥¥µø≈‚ÄìîïòôúùûπâóäêвЂВГРСўΒΓΞΟβΆā")
    # The category strings use ranges; expand them to their members.
    import re
    ranges = re.compile("[" + "".join(badness.MOJIBAKE_CATEGORIES.values()) + "]")
    alphabet = sorted(set(alphabet) | {chr(c) for c in range(0x80, 0x2600) if ranges.match(chr(c))})
    out = []
    for _ in range(count):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6)))
        out.append([text, bool(badness.is_bad(text))])
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--count", type=int, default=RANDOM_PROMPTS, help="random prompts (coverage prompts come on top)")
    parser.add_argument("--out", default=os.path.join(HERE, "text_fidelity.json.gz"))
    args = parser.parse_args()
    rng.seed(args.seed)
    tokenizer = open_clip.get_tokenizer("ViT-B-32")
    prompts = [random_prompt() for _ in range(args.count)] + coverage_prompts()
    for kind, text in prompts:
        assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text), (kind, text)
    ids = tokenizer([text for _, text in prompts]).numpy().astype(int).tolist()
    records = []
    for (kind, text), row in zip(prompts, ids):
        while row and row[-1] == 0:
            row.pop()
        records.append({"kind": kind, "text": text, "clean": _clean_lower(text), "ids": row})
    fixture = {
        "versions": {
            "python": sys.version.split()[0], "unicode": unicodedata.unidata_version,
            "open_clip": open_clip.__version__, "ftfy": ftfy.__version__, "regex": regex.__version__,
        },
        "seed": args.seed,
        "context_length": 77,
        "prompts": records,
        "badness": badness_strings(max(4000, args.count // 4)),
    }
    path = args.out
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(json.dumps(fixture, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    changed = sum(1 for r in records if r["clean"] != " ".join(r["text"].split()).lower())
    print(f"wrote {path}: {len(records)} prompts ({changed} changed by cleaning beyond whitespace and case), "
          f"{len(fixture['badness'])} badness strings ({sum(b for _, b in fixture['badness'])} bad)")


if __name__ == "__main__":
    main()
