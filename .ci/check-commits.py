#!/usr/bin/env python3
"""Checks the commit messages since the recorded base (.ci/commit-base): a subject of at most
72 characters, then a blank line before any body (CONTRIBUTING.md, Commits).

    python3 .ci/check-commits.py            # the repository's commits since the base
    python3 .ci/check-commits.py --self-test  # shows that it fails on a bad message
"""

import pathlib
import subprocess
import sys
import tempfile

LIMIT = 72


def git(repo, *args):
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def problems(repo, base):
    """(commit, what is wrong) for each commit after `base` up to HEAD."""
    out = []
    for commit in git(repo, "rev-list", f"{base}..HEAD").split():
        lines = git(repo, "log", "-1", "--format=%B", commit).rstrip("\n").split("\n")
        subject = lines[0]
        if len(subject) > LIMIT:
            out.append((commit[:7], f"subject of {len(subject)} characters (at most {LIMIT}): {subject}"))
        if len(lines) > 1 and lines[1].strip():
            out.append((commit[:7], f"no blank line after the subject: {subject}"))
    return out


def self_test():
    with tempfile.TemporaryDirectory() as d:
        repo = pathlib.Path(d)
        git(repo, "init", "-q")
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty", "-m", "Base")
        base = git(repo, "rev-parse", "HEAD").strip()
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
            "-m", "Fix the ÆØÅ of a subject that is exactly seventy-two characters long....")
        assert problems(repo, base) == [], "72 characters (counted as characters) must pass"
        git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "--allow-empty",
            "-m", "x" * 73 + "\nno blank line")
        found = problems(repo, base)
        assert len(found) == 2, found
    print("check-commits self-test: fails on a long subject and a missing blank line, as it must")


def main():
    if "--self-test" in sys.argv[1:]:
        self_test()
        return 0
    repo = pathlib.Path(__file__).resolve().parent.parent
    base = (repo / ".ci" / "commit-base").read_text().strip()
    try:
        git(repo, "cat-file", "-e", f"{base}^{{commit}}")
    except subprocess.CalledProcessError:
        if git(repo, "rev-parse", "--is-shallow-repository").strip() == "true":
            # Which of a shallow clone's commits came after the base cannot be told.
            print(f"note: a shallow clone without {base[:7]}: commit messages not checked", file=sys.stderr)
            return 0
        print(f"error: the commit base {base} (.ci/commit-base) is not in this history", file=sys.stderr)
        return 1
    found = problems(repo, base)
    for commit, what in found:
        print(f"error: commit {commit}: {what}", file=sys.stderr)
    if found:
        print("commit messages: see CONTRIBUTING.md, Commits", file=sys.stderr)
        return 1
    print(f"commit messages since {base[:7]}: all well formed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
