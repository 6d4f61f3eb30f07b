#!/usr/bin/env python3
"""Checks a QA dev set for `nextraction eval site` against the site's files on disk.

Usage: validate.py --root DIR FILE.jsonl

Every line must be {"kind", "question", "pages", "answer_terms"}; every listed page must exist
under DIR (pages are site paths such as "/library/os.html"); every answer term must occur
literally (case-insensitively, in the page's visible text) in at least one listed page;
off-topic questions (no pages) must have no terms. Prints the mix of kinds and exits 1 on
any problem.
"""
import argparse, collections, json, os, re, sys
from html.parser import HTMLParser

KINDS = {"factual", "value", "vocabulary", "multi", "offtopic"}


class Text(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in ("p", "div", "li", "dt", "dd", "tr", "td", "th", "pre", "br", "h1", "h2", "h3", "h4"):
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def visible_text(path):
    parser = Text()
    with open(path, encoding="utf-8", errors="replace") as f:
        parser.feed(f.read())
    return re.sub(r"\s+", " ", "".join(parser.parts)).lower()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--root", required=True)
    parser.add_argument("file")
    args = parser.parse_args()
    problems, kinds, cache = [], collections.Counter(), {}
    with open(args.file, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    questions = set()
    for number, line in enumerate(lines, 1):
        item = json.loads(line)
        where = f"line {number}"
        missing = {"kind", "question", "pages", "answer_terms"} - item.keys()
        if missing:
            problems.append(f"{where}: missing {sorted(missing)}")
            continue
        kinds[item["kind"]] += 1
        if item["kind"] not in KINDS:
            problems.append(f"{where}: kind {item['kind']!r} is not one of {sorted(KINDS)}")
        if item["question"] in questions:
            problems.append(f"{where}: duplicate question")
        questions.add(item["question"])
        if item["kind"] == "offtopic":
            if item["pages"] or item["answer_terms"]:
                problems.append(f"{where}: an off-topic question lists no pages and no terms")
            continue
        if not item["pages"] or not (1 <= len(item["answer_terms"]) <= 3):
            problems.append(f"{where}: needs pages and 1-3 answer terms")
        texts = []
        for page in item["pages"]:
            path = os.path.join(args.root, page.lstrip("/"))
            if not os.path.isfile(path):
                problems.append(f"{where}: page {page} does not exist under {args.root}")
                continue
            if path not in cache:
                cache[path] = visible_text(path)
            texts.append(cache[path])
        for term in item["answer_terms"]:
            if texts and not any(re.sub(r"\s+", " ", term.lower()) in text for text in texts):
                problems.append(f"{where}: answer term {term!r} occurs in none of {item['pages']}")
    total = sum(kinds.values())
    print(f"{args.file}: {total} questions; " + ", ".join(f"{k} {n} ({100 * n / total:.0f} %)" for k, n in sorted(kinds.items())))
    for problem in problems:
        print("  " + problem)
    if total < 60:
        problems.append("fewer than 60 questions")
        print("  fewer than 60 questions")
    if kinds["offtopic"] < 6:
        problems.append("fewer than 6 off-topic questions")
        print("  fewer than 6 off-topic questions")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
