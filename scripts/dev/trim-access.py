#!/usr/bin/env python3
"""Trims every module's access modifiers to what other modules use (issue #18).

The package builds only executables, so `public` is needed for one reason only: speed. Swift
exports a function's body to other modules (cross-module optimisation, generic specialisation,
inlining) only when the declaration is `public`; a `package` declaration's body stays in its
module, and the probes' fp64 `Matrix` arithmetic ran unspecialised (the demo 3× slower) when
Tensor's declarations became `package`. So, for every declaration marked `public` or `package` in
Sources/<Module>/, this script decides:

- kept, when another module (another folder under Sources/) names it, when the signature of
  another kept declaration of its module names it (a package function cannot take an internal
  type), or when it is the witness of a protocol requirement or an override in a kept type (the
  witness must be as visible as the conformance). A kept declaration
  - in one of the modules whose code the others' hot loops call (PUBLIC_MODULES: Support,
    ImageCodec, Tensor, CLIP, Embeddings) keeps the modifier it has (`public` stays `public`);
  - in any other module becomes `package`, unless the signature of a `public` declaration of
    another module names it (CLIP's public initialisers take Weights' types): then `public`;
- internal (the modifier is removed) otherwise.

Test targets are not "other modules": they use `@testable import`, and the script rewrites every
plain `import <Module>` of a package module under Tests/ to `@testable import <Module>`.

It is mechanical, idempotent (a second run changes nothing) and re-runnable on code it has not
seen: after a merge, run `python3 scripts/dev/trim-access.py --fix-build` on the merged tree. It
trims the new code the same way, then builds (`swift build --build-tests`) and gives back the
access the compiler says another module needs ("'X' is inaccessible due to 'internal' protection
level": `package`, or `public` in PUBLIC_MODULES), until the build succeeds. `--check` only
prints what it would change; `--counts` prints the table of public / package / internal
declarations per module that docs/architecture.md shows. It errs towards keeping: a name that
also occurs in another module for an unrelated reason keeps its declaration's access.
"""
import argparse
import os
import re
import sys
from collections import defaultdict

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCES = os.path.join(ROOT, "Sources")
TESTS = os.path.join(ROOT, "Tests")

# Declaration keywords that can carry an access modifier.
DECL_KEYWORDS = ("func", "var", "let", "init", "subscript", "class", "struct", "enum", "protocol",
                 "typealias", "actor", "extension", "associatedtype", "macro")
TYPE_KEYWORDS = ("class", "struct", "enum", "protocol", "actor", "extension")
# Modifiers and attributes that may stand between the access keyword and the declaration keyword.
OTHER_MODIFIERS = {"static", "final", "override", "required", "convenience", "mutating", "nonmutating",
                   "lazy", "weak", "unowned", "indirect", "nonisolated", "dynamic", "optional",
                   "prefix", "postfix", "infix", "consuming", "borrowing", "isolated"}
# Members that satisfy requirements of standard-library protocols by name.
WITNESS_NAMES = {"init", "subscript", "description", "debugDescription", "hash", "hashValue", "encode",
                 "errorDescription", "failureReason", "recoverySuggestion", "helpText", "makeIterator",
                 "next", "startIndex", "endIndex", "index", "count", "rawValue", "id", "allCases",
                 "callAsFunction", "Element", "Index", "Iterator", "SubSequence", "Indices", "RawValue",
                 "AllCases", "ID", "CodingKeys", "stringValue", "intValue", "underestimatedCount",
                 "formIndex", "distance", "compare", "zero", "magnitude", "isEmpty", "first", "last",
                 "makeBody", "body", "unownedExecutor", "localizedDescription"}

IDENT_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Modules whose kept declarations stay `public` (their bodies are exported to the modules that
# call them in hot loops; see the docstring). Their dependencies must not need anything else.
PUBLIC_MODULES = ("Support", "ImageCodec", "Tensor", "CLIP", "Embeddings")
TYPE_DECL_KEYWORDS = ("class", "struct", "enum", "protocol", "actor", "typealias")


def swift_files(folder):
    for directory, _, names in os.walk(folder):
        for name in sorted(names):
            if name.endswith(".swift"):
                yield os.path.join(directory, name)


def strip_comments(text, blank_strings=False):
    """The text with comments blanked, and string literals' contents too with `blank_strings`
    (by default they are kept: interpolations hold code); offsets and line breaks unchanged."""
    out = list(text)
    i, n = 0, len(text)
    in_string = None  # '"' or '"""'
    depth_block = 0
    while i < n:
        if depth_block:
            if text.startswith("*/", i):
                depth_block -= 1
                out[i] = out[i + 1] = " "
                i += 2
                continue
            if text.startswith("/*", i):
                depth_block += 1
                out[i] = out[i + 1] = " "
                i += 2
                continue
            if text[i] != "\n":
                out[i] = " "
            i += 1
            continue
        if in_string:
            if text.startswith(in_string, i):
                i += len(in_string)
                in_string = None
                continue
            step = 2 if text[i] == "\\" else 1
            if blank_strings:
                for k in range(i, min(i + step, n)):
                    if out[k] != "\n":
                        out[k] = " "
            i += step
            continue
        if text.startswith("//", i):
            while i < n and text[i] != "\n":
                out[i] = " "
                i += 1
            continue
        if text.startswith("/*", i):
            depth_block = 1
            out[i] = out[i + 1] = " "
            i += 2
            continue
        if text.startswith('"""', i):
            in_string = '"""'
            i += 3
            continue
        if text[i] == '"':
            in_string = '"'
            i += 1
            continue
        i += 1
    return "".join(out)


class Declaration:
    def __init__(self, module, path, start, access_span, keyword, name, enclosing, signature, is_override):
        self.module = module
        self.path = path
        self.start = start  # offset of the declaration's line start in the file
        self.access_span = access_span  # (begin, end) of "public " / "package " / "public(set) " in the file
        self.keyword = keyword
        self.name = name
        self.enclosing = enclosing  # list of enclosing type names, outermost first
        self.signature = signature
        self.is_override = is_override
        self.access = ""  # the modifier it has now: "public" or "package"
        self.keep = False
        self.needs_public = False  # a public declaration of another module names it


ATTRIBUTE_RE = re.compile(r"@[A-Za-z_][A-Za-z0-9_]*(\([^()]*(\([^()]*\)[^()]*)*\))?")
ACCESS_WORDS = ("public", "package", "internal", "private", "fileprivate", "open")


def scan_file(module, path, text):
    """Every declaration at file or type level (not locals in bodies): those with `public` or
    `package` become `Declaration`s; returns them and the access of every declaration found."""
    code = strip_comments(text, blank_strings=True)
    declarations = []
    accesses = []  # "public" | "package" | "internal" | "private" ... per declaration
    stack = []  # (depth of the type's body, type name)
    depth = 0
    pending_type = None
    offset = 0
    for line in code.split("\n"):
        line_start = offset
        offset += len(line) + 1
        at_declaration_level = depth == 0 or (stack and stack[-1][0] == depth)
        if at_declaration_level:
            head = ATTRIBUTE_RE.sub(lambda m: " " * len(m.group(0)), line)
            words = list(re.finditer(r"[A-Za-z_][A-Za-z0-9_]*(\(set\))?", head))
            k = 0
            access = None
            access_match = None
            while k < len(words):
                word = words[k].group(0)
                bare = word.split("(")[0]
                if bare in ACCESS_WORDS and access is None and "(set)" not in word:
                    access, access_match = bare, words[k]
                elif bare in ACCESS_WORDS or bare in OTHER_MODIFIERS:
                    pass
                else:
                    break
                k += 1
            # Only modifiers (no other code) before the keyword.
            if k < len(words) and head[:words[k].start()].strip(" \t").replace("(set)", "").strip() == " ".join(
                    w.group(0) for w in words[:k]).replace("(set)", "").strip():
                keyword = words[k].group(0)
                if keyword in DECL_KEYWORDS:
                    if keyword != "extension":
                        accesses.append(access or "internal")
                    if keyword in TYPE_KEYWORDS:
                        name_match = re.compile(r"\s+([A-Za-z_][A-Za-z0-9_.]*)").match(head, words[k].end())
                        if name_match:
                            pending_type = name_match.group(1).split(".")[-1]
                    if access in ("public", "package"):
                        begin = line_start + access_match.start()
                        end = line_start + access_match.end()
                        while end < len(code) and code[end] in " \t":
                            end += 1
                        decl = parse_declaration(module, path, code, begin, end, line_start, [name for _, name in stack])
                        if decl:
                            declarations.append(decl)
        # Braces of this line (string contents are blanked).
        for c in line:
            if c == "{":
                depth += 1
                if pending_type is not None:
                    stack.append((depth, pending_type))
                    pending_type = None
            elif c == "}":
                if stack and stack[-1][0] == depth:
                    stack.pop()
                depth -= 1
    return declarations, accesses


def parse_declaration(module, path, code, access_begin, access_end, line_start, enclosing):
    j = access_end
    modifiers = []
    while True:
        match = IDENT_RE.match(code, j)
        if not match:
            return None
        word = match.group(0)
        if word in OTHER_MODIFIERS or word in ("private", "fileprivate", "internal"):
            modifiers.append(word)
            j = match.end()
            if code.startswith("(set)", j):
                j += 5
            while j < len(code) and code[j] in " \t":
                j += 1
            continue
        break
    keyword = word
    if keyword not in DECL_KEYWORDS:
        return None
    j = match.end()
    rest = code[j:j + 300]
    if keyword in ("init", "subscript"):
        name = keyword
    elif keyword == "func":
        operator = re.match(r"\s+([-+*/%<>=!&|^~?.]+)", rest)
        named = re.match(r"\s+`?([A-Za-z_][A-Za-z0-9_]*)", rest)
        name = operator.group(1) if operator else (named.group(1) if named else None)
    else:
        named = re.match(r"\s+`?([A-Za-z_][A-Za-z0-9_.]*)", rest)
        name = named.group(1).split(".")[-1] if named else None
    if name is None:
        return None
    signature = read_signature(code, access_begin)
    decl = Declaration(module, path, line_start, (access_begin, access_end), keyword, name, enclosing, signature,
                       "override" in modifiers or "required" in modifiers)
    decl.access = code[access_begin:access_end].strip()
    return decl


def read_signature(code, start):
    """The declaration's text up to its body's `{` (or the end of the declaration)."""
    depth = 0
    i, n = start, len(code)
    while i < n:
        c = code[i]
        if c in "([<":
            depth += 1
        elif c in ")]>":
            depth = max(depth - 1, 0)
        elif c == "{" and depth == 0:
            return code[start:i]
        elif c == "\n" and depth == 0:
            following = code[i + 1:i + 200].lstrip()
            if not following.startswith(("->", "throws", "rethrows", "where", "async", ":", ",", "&")):
                previous = code[start:i].rstrip()
                if not previous.endswith((",", ":", "->", "&", "=")):
                    return code[start:i]
        i += 1
    return code[start:]


def identifiers(text):
    return set(IDENT_RE.findall(text))


def module_folders():
    return sorted(name for name in os.listdir(SOURCES)
                  if os.path.isdir(os.path.join(SOURCES, name)) and any(swift_files(os.path.join(SOURCES, name))))


def analyse():
    modules = module_folders()
    texts = {}
    words_by_module = {}
    members_by_module = {}
    extended = defaultdict(set)  # (module, extended type) -> identifiers in its extensions there
    declarations = []
    for module in modules:
        words = set()
        members = set()
        for path in swift_files(os.path.join(SOURCES, module)):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            texts[path] = text
            code = strip_comments(text)
            words |= identifiers(code)
            members |= set(re.findall(r"\.\s*`?([A-Za-z_][A-Za-z0-9_]*)", code))
            # Inside `extension T { … }` members of T are named without a dot (implicit self).
            for match in re.finditer(r"\bextension\s+([A-Za-z_][A-Za-z0-9_.]*)[^{]*\{", code):
                extended[(module, match.group(1).split(".")[-1])] |= identifiers(type_body(code, match.start()))
            declarations += scan_file(module, path, text)[0]
        words_by_module[module] = words
        members_by_module[module] = members

    def used_elsewhere(module, name):
        return any(name in words for other, words in words_by_module.items() if other != module)

    def member_used_elsewhere(module, name, owner):
        # Another module reaches a member as `.name` (`value.name`, `Type.name`, `.name`, `\\.name`),
        # or by its bare name inside its own extension of the member's type.
        return any(name in members or name in extended[(other, owner)]
                   for other, members in members_by_module.items() if other != module)

    by_module_name = defaultdict(list)
    for decl in declarations:
        by_module_name[(decl.module, decl.name)].append(decl)

    # Requirements of the module's own protocols are witness names too.
    protocol_requirements = defaultdict(set)
    for path, text in texts.items():
        module = os.path.relpath(path, SOURCES).split(os.sep)[0]
        code = strip_comments(text)
        for match in re.finditer(r"\bprotocol\s+([A-Za-z_][A-Za-z0-9_]*)[^{]*\{", code):
            depth, k = 1, match.end()
            while k < len(code) and depth:
                depth += {"{": 1, "}": -1}.get(code[k], 0)
                k += 1
            body = code[match.end():k]
            for requirement in re.finditer(r"\b(?:func|var|let|associatedtype|typealias)\s+([A-Za-z_][A-Za-z0-9_]*)", body):
                protocol_requirements[module].add(requirement.group(1))
            if "init(" in body:
                protocol_requirements[module].add("init")

    def type_kept(decl):
        # The innermost enclosing type (an extension counts as its extended type).
        if not decl.enclosing:
            return True
        owner = decl.enclosing[-1]
        owners = [d for d in by_module_name[(decl.module, owner)] if d.keyword in TYPE_KEYWORDS and d.keyword != "extension"]
        if not owners:
            # A type of another module (or one without an access modifier): extending it is visible
            # wherever that type is; keep members other modules name.
            return True
        return any(d.keep for d in owners)

    # Seed: what other modules name.
    for decl in declarations:
        if decl.keyword == "extension":
            continue
        if decl.name in ("init", "subscript") or not IDENT_RE.fullmatch(decl.name):
            continue
        if decl.enclosing and decl.keyword not in TYPE_KEYWORDS and decl.keyword != "typealias":
            if member_used_elsewhere(decl.module, decl.name, decl.enclosing[-1]):
                decl.keep = True
        elif used_elsewhere(decl.module, decl.name):
            decl.keep = True
    # Fixpoint: types named in kept signatures; witnesses and overrides of kept types; enclosing types of kept members.
    changed = True
    while changed:
        changed = False
        for decl in declarations:
            if decl.keep or decl.keyword == "extension":
                continue
            witness = (decl.name in WITNESS_NAMES or decl.name in protocol_requirements[decl.module]
                       or decl.is_override or not IDENT_RE.fullmatch(decl.name))
            if witness and decl.enclosing and type_kept(decl):
                owners = [d for d in by_module_name[(decl.module, decl.enclosing[-1])] if d.keyword in TYPE_KEYWORDS]
                if owners and any(d.keep for d in owners if d.keyword != "extension") or (
                        decl.name in ("init", "subscript") and used_elsewhere(decl.module, decl.enclosing[-1])):
                    decl.keep = True
                    changed = True
        kept_words = set()
        for decl in declarations:
            if decl.keep:
                kept_words |= identifiers(decl.signature)
                kept_words.update(decl.enclosing)
        for decl in declarations:
            if not decl.keep and decl.keyword in ("class", "struct", "enum", "protocol", "actor", "typealias") \
                    and decl.name in kept_words and (decl.module, decl.name) in by_module_name:
                # Only when the kept signature is in the same module.
                if any(d.keep and (decl.name in identifiers(d.signature) or decl.name in d.enclosing)
                       for d in declarations if d.module == decl.module):
                    decl.keep = True
                    changed = True
        # A kept function's default argument values may name only declarations as visible as it.
        for decl in declarations:
            if decl.keep and decl.keyword in ("func", "init", "subscript"):
                for name in default_argument_words(decl.signature):
                    for other in by_module_name.get((decl.module, name), []):
                        if not other.keep and other.keyword != "extension":
                            other.keep = True
                            changed = True
        # Associated values of a kept enum's cases, and kept protocols' requirements, name types too.
        for decl in declarations:
            if decl.keep and decl.keyword in ("enum", "protocol"):
                body = type_body(strip_comments(texts[decl.path]), decl.access_span[0])
                scope = identifiers(" ".join(re.findall(r"\bcase\b[^\n]*", body))) if decl.keyword == "enum" else identifiers(body)
                for other in declarations:
                    if not other.keep and other.module == decl.module and other.name in scope \
                            and other.keyword in ("class", "struct", "enum", "protocol", "actor", "typealias"):
                        other.keep = True
                        changed = True
    # Extensions: `public extension X` becomes `package extension X` when X stays visible, else plain.
    for decl in declarations:
        if decl.keyword == "extension":
            owners = [d for d in by_module_name[(decl.module, decl.name)] if d.keyword != "extension"]
            decl.keep = (not owners) or any(d.keep for d in owners)
    propagate_public(texts, declarations)
    return modules, texts, declarations


def propagate_public(texts, declarations):
    """Marks `needs_public` the kept types of the other modules (not PUBLIC_MODULES) that a
    `public` declaration names in its signature (an enum's cases and a protocol's requirements
    included), and their enclosing types, transitively: a public declaration cannot use a
    package type."""
    imports = defaultdict(set)
    for path, text in texts.items():
        module = os.path.relpath(path, SOURCES).split(os.sep)[0]
        imports[module] |= set(re.findall(r"^\s*(?:@\w+\s+)*import\s+(\w+)", text, re.MULTILINE))
    types = defaultdict(list)
    members = defaultdict(list)
    for decl in declarations:
        if decl.keyword in TYPE_DECL_KEYWORDS and decl.module not in PUBLIC_MODULES:
            types[decl.name].append(decl)
        elif decl.keyword in ("var", "let", "func") and decl.module not in PUBLIC_MODULES:
            members[decl.name].append(decl)
    queue = [d for d in declarations if d.keep and d.keyword != "extension"
             and d.module in PUBLIC_MODULES and d.access == "public"]
    while queue:
        decl = queue.pop()
        scope = identifiers(decl.signature)
        if decl.keyword in ("enum", "protocol"):
            body = type_body(strip_comments(texts[decl.path], blank_strings=True), decl.access_span[0])
            scope |= identifiers(" ".join(re.findall(r"\bcase\b[^\n]*", body))) if decl.keyword == "enum" else identifiers(body)
        # A public function's default argument values may name only public declarations.
        defaults = default_argument_words(decl.signature) if decl.keyword in ("func", "init", "subscript") else set()
        for name in scope | defaults:
            for other in types.get(name, []) + (members.get(name, []) if name in defaults else []):
                if other.needs_public or (other.module != decl.module and other.module not in imports[decl.module]):
                    continue
                other.needs_public = other.keep = True
                queue.append(other)
                # Its enclosing types too.
                for outer in other.enclosing:
                    for enclosing in types.get(outer, []):
                        if enclosing.module == other.module and not enclosing.needs_public:
                            enclosing.needs_public = enclosing.keep = True
                            queue.append(enclosing)
        # Witnesses of a public type's conformances (`description` of CustomStringConvertible, …) are public too.
        if decl.keyword in TYPE_DECL_KEYWORDS and decl.module not in PUBLIC_MODULES:
            for member in declarations:
                if member.keep and not member.needs_public and member.module == decl.module and member.enclosing \
                        and member.enclosing[-1] == decl.name and is_witness(member):
                    member.needs_public = True
                    queue.append(member)


def is_witness(decl):
    """A member that may satisfy a protocol requirement by its name (an initialiser only when it is
    `required` or decodes)."""
    if decl.keyword == "extension":
        return False
    if decl.name == "init":
        return decl.is_override or "init(from" in decl.signature.replace(" ", "")
    return decl.name in WITNESS_NAMES or decl.is_override or not IDENT_RE.fullmatch(decl.name)


def new_access(decl):
    """The modifier a declaration gets: "public", "package" or "" (internal)."""
    if not decl.keep:
        return ""
    if decl.needs_public:
        return "public"
    if decl.module in PUBLIC_MODULES:
        return decl.access
    return "package"


def default_argument_words(signature):
    """Identifiers in the default argument values of a function's signature (`x: Int = Foo.bar`)."""
    words = set()
    for match in re.finditer(r"[^=!<>]=(?!=)([^,()]*(\([^()]*\)[^,()]*)*)", signature):
        words |= identifiers(match.group(1))
    return words


def type_body(code, start):
    brace = code.find("{", start)
    if brace < 0:
        return ""
    depth, k = 1, brace + 1
    while k < len(code) and depth:
        depth += {"{": 1, "}": -1}.get(code[k], 0)
        k += 1
    return code[brace + 1:k - 1]


def rewrite(texts, declarations, check):
    by_path = defaultdict(list)
    for decl in declarations:
        by_path[decl.path].append(decl)
    changed_files = 0
    for path, decls in by_path.items():
        text = texts[path]
        pieces = []
        last = 0
        for decl in sorted(decls, key=lambda d: d.access_span[0]):
            begin, end = decl.access_span
            current = text[begin:end]
            setter = "(set)" in current
            access = new_access(decl)
            replacement = access + ("(set) " if setter else " ") if access else ""
            pieces.append(text[last:begin])
            pieces.append(replacement)
            last = end
        pieces.append(text[last:])
        new = "".join(pieces)
        if new != text:
            changed_files += 1
            if not check:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(new)
    return changed_files


def testable_imports(modules, check):
    pattern = re.compile(r"^import (" + "|".join(re.escape(m) for m in modules) + r")$", re.MULTILINE)
    changed = 0
    for path in swift_files(TESTS):
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        new = pattern.sub(r"@testable import \1", text)
        if new != text:
            changed += 1
            if not check:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write(new)
    return changed


def counts(modules):
    """public / package / internal declarations per module: declarations at file or type level
    (locals in bodies are not counted; extensions are not declarations of their own)."""
    rows = []
    for module in modules:
        tally = defaultdict(int)
        for path in swift_files(os.path.join(SOURCES, module)):
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            for access in scan_file(module, path, text)[1]:
                tally[access] += 1
        rows.append((module, tally["public"] + tally["open"], tally["package"], tally["internal"]))
    return rows


INACCESSIBLE_RE = re.compile(r"error: '([^']+)' is inaccessible due to 'internal' protection level")
DECLARED_RE = re.compile(r"^(/[^:\n]+\.swift):(\d+):\d+: note: '([^']+)' declared here", re.MULTILINE)


def fix_build(check):
    """Builds (`swift build --build-tests`) and makes `package` (`public` in PUBLIC_MODULES) every internal declaration the
    compiler says another module cannot reach ("'X' is inaccessible due to 'internal' protection
    level", with its "'X' declared here" note), until the build has no such error. For code merged
    from branches written against the untrimmed modules."""
    import subprocess
    fixed = 0
    while True:
        build = subprocess.run(["swift", "build", "--build-tests"], cwd=ROOT, capture_output=True, text=True)
        output = build.stdout + build.stderr
        names = set(INACCESSIBLE_RE.findall(output))
        places = {(path, int(line)) for path, line, name in DECLARED_RE.findall(output)
                  if name in names and path.startswith(SOURCES + os.sep)}
        if not places:
            if build.returncode != 0:
                sys.stderr.write(output[-4000:])
                print(f"gave back access to {fixed} declarations; the build still fails for another reason (above)")
                return 1
            print(f"gave back access to {fixed} declarations; the build succeeds")
            return 0
        for path, line in sorted(places):
            with open(path, encoding="utf-8") as handle:
                lines = handle.read().split("\n")
            text = lines[line - 1]
            head = ATTRIBUTE_RE.sub(lambda m: " " * len(m.group(0)), text)
            start = len(head) - len(head.lstrip())
            if re.match(r"(package|public|open)\b", head[start:]):
                continue
            head_word = re.match(r"internal\s+", head[start:])
            end = start + (head_word.end() if head_word else 0)
            module = os.path.relpath(path, SOURCES).split(os.sep)[0]
            access = "public" if module in PUBLIC_MODULES else "package"
            lines[line - 1] = text[:start] + access + " " + text[end:]
            print(f"{access}: {os.path.relpath(path, ROOT)}:{line}: {lines[line - 1].strip()}")
            fixed += 1
            if not check:
                with open(path, "w", encoding="utf-8") as handle:
                    handle.write("\n".join(lines))
        if check:
            return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="only report what would change")
    parser.add_argument("--counts", action="store_true", help="print public / package / internal declarations per module")
    parser.add_argument("--fix-build", action="store_true",
                        help="after trimming, build and give back the access other modules' code still needs "
                             "(code merged from branches that saw the untrimmed modules)")
    arguments = parser.parse_args()
    modules = module_folders()
    if arguments.counts:
        print("| module | public | package | internal |")
        print("|---|---:|---:|---:|")
        for module, public, package, internal in counts(modules):
            print(f"| {module} | {public} | {package} | {internal} |")
        return 0
    modules, texts, declarations = analyse()
    tally = defaultdict(int)
    for decl in declarations:
        if decl.keyword != "extension":
            tally[new_access(decl) or "internal"] += 1
    files = rewrite(texts, declarations, arguments.check)
    tests = testable_imports(modules, arguments.check)
    verb = "would change" if arguments.check else "changed"
    print(f"{sum(tally.values())} declarations with public/package: {tally['public']} public, {tally['package']} package, "
          f"{tally['internal']} internal; {verb} {files} source files and {tests} test files")
    if arguments.fix_build:
        return fix_build(arguments.check)
    return 0


if __name__ == "__main__":
    sys.exit(main())
