#!/usr/bin/env python3
"""The longest functions and modules of the Rust sources, outside tests: a function is
counted from its `fn` line to the line of its closing brace; a module's code is its lines
before its `#[cfg(test)]` module (issue 12: no function over about 100 lines, no module over
about 600 lines of code).

    python3 .ci/fn-lengths.py [--top N] [DIR ...]     (default: site-gen/src form-handler/src form-handler/model/src)
"""

import re
import sys
from pathlib import Path

FN = re.compile(r"^(\s*)(pub(\([^)]*\))?\s+)?(const\s+)?(async\s+)?(unsafe\s+)?fn\s+(\w+)")


def code_lines(text):
    """The lines before the test module."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("mod "):
            return lines[:i]
    return lines


def functions(lines):
    out = []
    for i, line in enumerate(lines):
        m = FN.match(line)
        if not m or line.rstrip().endswith(";"):
            continue
        indent = m.group(1)
        for j in range(i, len(lines)):
            if lines[j] == indent + "}" or (j > i and lines[j].startswith(indent + "}")) or (j == i and line.rstrip().endswith("}")):
                out.append((j - i + 1, m.group(7)))
                break
    return out


def main():
    args = sys.argv[1:]
    top = 10
    if args[:1] == ["--top"]:
        top, args = int(args[1]), args[2:]
    dirs = args or ["site-gen/src", "form-handler/src", "form-handler/model/src"]
    fns, mods = [], []
    for d in dirs:
        for path in sorted(Path(d).rglob("*.rs")):
            lines = code_lines(path.read_text())
            mods.append((len(lines), str(path)))
            fns.extend((n, f"{path}:{name}") for n, name in functions(lines))
    print("longest functions (lines):")
    for n, name in sorted(fns, reverse=True)[:top]:
        print(f"  {n:4}  {name}")
    print("longest modules (lines of code, before their tests):")
    for n, name in sorted(mods, reverse=True)[:top]:
        print(f"  {n:4}  {name}")


main()
