"""Micro-benchmark: the co-editing diff and merge against the bare library calls they build on.

Part of `make bench` (item "diff"); alone: python bench/diff_merge.py [--quick]
Inputs are generated from a fixed seed: a ~20 KB Markdown narrative with about 5 % of its
lines edited word by word, and a 500-item risk register with about 5 % of items edited.
"""

import os
import random
import sys
import timeit
from difflib import SequenceMatcher

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), os.pardir)))

from app.coediting.content import split_lines, split_words  # noqa: E402
from app.coediting.diffing import diff_content, diff_text  # noqa: E402
from app.coediting.merging import merge_content  # noqa: E402

WORD_TEXT = (
    "partner alliance risk value supplier review quarter joint plan governance measure trust cost "
    "delivery contract share gain pain exit asset knowledge forum escalation objective benefit "
    "the a of and to in for with on by is are will be our their each both party parties"
)
WORDS = WORD_TEXT.split()


def narrative(rng: random.Random, size: int = 20_000) -> str:
    blocks = []
    length = 0
    while length < size:
        kind = rng.random()
        if kind < 0.1:
            block = "## " + " ".join(rng.choices(WORDS, k=rng.randint(2, 6))).capitalize()
        elif kind < 0.3:
            block = "\n".join(
                "- " + " ".join(rng.choices(WORDS, k=rng.randint(4, 12))) for _ in range(rng.randint(2, 5))
            )
        else:
            # Wrapped paragraph lines, as people type them in Markdown.
            lines = []
            for _ in range(rng.randint(2, 6)):
                lines.append(" ".join(rng.choices(WORDS, k=rng.randint(8, 14))).capitalize() + ".")
            block = "\n".join(lines)
        blocks.append(block)
        length += len(block) + 2
    return "\n\n".join(blocks) + "\n"


def edit_lines(rng: random.Random, text: str, share: float, only: set[int] | None = None) -> str:
    """Change two words in `share` of the lines, picked among non-blank ones (and within `only` if given)."""
    lines = text.split("\n")
    candidates = [i for i, line in enumerate(lines) if line.strip() and (only is None or i in only)]
    for index in rng.sample(candidates, max(1, int(len(lines) * share))):
        words = lines[index].split(" ")
        for _ in range(2):
            words[rng.randrange(len(words))] = rng.choice(WORDS).upper()
        lines[index] = " ".join(words)
    return "\n".join(lines)


def register(rng: random.Random, count: int = 500) -> list[dict]:
    return [
        {
            "id": f"r-{index:06x}",
            "title": " ".join(rng.choices(WORDS, k=4)).capitalize(),
            "category": rng.choice(["commercial", "operational", "legal", "reputational"]),
            "likelihood": rng.randint(1, 5),
            "impact": rng.randint(1, 5),
            "owner_party": rng.choice([11, 12]),
            "response": rng.choice(["avoid", "reduce", "transfer", "accept"]),
            "mitigation": " ".join(rng.choices(WORDS, k=20)),
            "status": "open",
            "next_review": "2026-03-31",
            "exposure": {"amount": f"{rng.randint(1, 900)}000.00", "currency": "EUR"},
        }
        for index in range(count)
    ]


def edit_register(rng: random.Random, items: list[dict], share: float, pool: list[int], tag: str) -> list[dict]:
    """Edit about `share` of the items (chosen from `pool`), delete two and add two."""
    items = [dict(item) for item in items]
    picks = rng.sample(pool, int(len(items) * share) + 4)
    for index in picks[4:]:
        items[index]["likelihood"] = rng.randint(1, 5)
        items[index]["mitigation"] += " " + tag
    for index in sorted(picks[:2], reverse=True):
        del items[index]
    for number in range(2):
        items.insert(rng.randrange(len(items)), dict(items[0], id=f"{tag}-{number}", title=f"New {tag} {number}"))
    return items


def timed(calls: list, rounds: int) -> list[float]:
    """Seconds per call for each of `calls`, timed in alternating rounds so that load from
    elsewhere on the machine hits them alike; the fastest round counts, as timeit advises."""
    numbers = [max(1, int(0.05 / max(timeit.timeit(call, number=1), 1e-6))) for call in calls]
    best = [float("inf")] * len(calls)
    spent = [0.0] * len(calls)
    for _ in range(rounds):
        for index, (call, number) in enumerate(zip(calls, numbers, strict=True)):
            if spent[index] > 3:  # a call of seconds needs no fifteen rounds to show it is slow
                continue
            seconds = timeit.timeit(call, number=number)
            spent[index] += seconds
            best[index] = min(best[index], seconds / number)
    return best


def measurements() -> tuple[list, str]:
    """(operation, Jointly's call, [(baseline name, bare library call), ...]) rows and a description
    of the inputs; the first baseline of each row is the one its ratio is taken against."""
    rng = random.Random(44001)  # noqa: S311 - fixed-seed sample data, not secrets

    base_text = narrative(rng)
    line_count = base_text.count("\n")
    new_text = edit_lines(rng, base_text, 0.05)
    # Ours edits in alternate stretches of 20 lines, theirs in the others: a clean merge.
    ours_text = edit_lines(rng, base_text, 0.05, only={i for i in range(line_count) if (i // 20) % 2 == 0})
    theirs_text = edit_lines(rng, base_text, 0.05, only={i for i in range(line_count) if (i // 20) % 2 == 1})

    base_items = register(rng)
    new_items = edit_register(rng, base_items, 0.05, list(range(500)), "new")
    ours_items = edit_register(rng, base_items, 0.05, list(range(0, 250)), "o")
    theirs_items = edit_register(rng, base_items, 0.05, list(range(250, 500)), "t")

    old_words, new_words = split_words(base_text), split_words(new_text)
    base_lines, new_lines, ours_lines, theirs_lines = (
        split_lines(t) for t in (base_text, new_text, ours_text, theirs_text)
    )
    old_ids = [item["id"] for item in base_items]
    new_ids = [item["id"] for item in new_items]
    ours_ids = [item["id"] for item in ours_items]
    theirs_ids = [item["id"] for item in theirs_items]

    def words_autojunk():
        SequenceMatcher(None, old_words, new_words).get_opcodes()

    def words_exact():
        SequenceMatcher(None, old_words, new_words, autojunk=False).get_opcodes()

    def lines_exact():
        SequenceMatcher(None, base_lines, new_lines, autojunk=False).get_opcodes()

    def merge_lines_bare():
        SequenceMatcher(None, base_lines, ours_lines, autojunk=False).get_matching_blocks()
        SequenceMatcher(None, base_lines, theirs_lines, autojunk=False).get_matching_blocks()

    def merge_lines_autojunk():
        SequenceMatcher(None, base_lines, ours_lines).get_matching_blocks()
        SequenceMatcher(None, base_lines, theirs_lines).get_matching_blocks()

    def ids_bare():
        SequenceMatcher(None, old_ids, new_ids, autojunk=False).get_opcodes()

    def merge_ids_bare():
        SequenceMatcher(None, old_ids, ours_ids, autojunk=False).get_matching_blocks()
        SequenceMatcher(None, old_ids, theirs_ids, autojunk=False).get_matching_blocks()

    old_doc, new_doc = {"narrative": base_text}, {"narrative": new_text}
    base_doc, ours_doc, theirs_doc = ({"narrative": text} for text in (base_text, ours_text, theirs_text))
    old_register, new_register = ({"items": {"risk": items}} for items in (base_items, new_items))
    base_register, ours_register, theirs_register = (
        {"items": {"risk": items}} for items in (base_items, ours_items, theirs_items)
    )
    text_merge = merge_content(base_doc, ours_doc, theirs_doc)
    register_merge = merge_content(base_register, ours_register, theirs_register)

    description = (
        f"narrative: {len(base_text):,} characters, {line_count} lines, {len(old_words):,} word tokens\n"
        f"register: {len(base_items)} items; merges clean: text {text_merge.clean}, register {register_merge.clean}"
    )
    rows = [
        (
            "diff_text, 20 KB, 5 % lines edited",
            lambda: diff_text(base_text, new_text),
            [
                ("SequenceMatcher, lines (autojunk off)", lines_exact),
                ("SequenceMatcher, word tokens (autojunk on)", words_autojunk),
                ("SequenceMatcher, word tokens (autojunk off)", words_exact),
            ],
        ),
        (
            "diff_content, narrative only",
            lambda: diff_content(old_doc, new_doc),
            [("SequenceMatcher, lines (autojunk off)", lines_exact)],
        ),
        (
            "merge_content, narrative only",
            lambda: merge_content(base_doc, ours_doc, theirs_doc),
            [
                ("2 x SequenceMatcher, lines (autojunk off)", merge_lines_bare),
                ("2 x SequenceMatcher, lines (merge3's default)", merge_lines_autojunk),
            ],
        ),
        (
            "diff_content, 500-item register",
            lambda: diff_content(old_register, new_register),
            [("SequenceMatcher, item ids", ids_bare)],
        ),
        (
            "merge_content, 500-item register",
            lambda: merge_content(base_register, ours_register, theirs_register),
            [("2 x SequenceMatcher, item ids", merge_ids_bare)],
        ),
    ]
    return rows, description


def run(rounds: int = 15) -> list:
    """The table rows of `make bench`: each operation against its first baseline, the others in the note."""
    from bench.common import Row

    rows, _description = measurements()
    table = []
    for name, ours_call, baselines in rows:
        ours_time, *bare_times = timed([ours_call, *(call for _, call in baselines)], rounds)
        others = "; ".join(f"{bare_name}: {ours_time / bare_time:.2f}×"
                           for (bare_name, _), bare_time in list(zip(baselines, bare_times, strict=True))[1:])
        table.append(Row("5 diff/merge", f"{name} vs {baselines[0][0]}", ours_time * 1000, bare_times[0] * 1000,
                         "ms", 2.0, others))
    return table


def main() -> None:
    rounds = 3 if "--quick" in sys.argv else 15
    rows, description = measurements()
    print(description)
    print()
    header = f"{'operation':<36} {'ms/call':>8}   {'bare library call':<46} {'ms/call':>8} {'ratio':>6}"
    print(header)
    print("-" * len(header))
    for name, ours_call, baselines in rows:
        ours_time, *bare_times = timed([ours_call, *(call for _, call in baselines)], rounds)
        for index, ((bare_name, _), bare_time) in enumerate(zip(baselines, bare_times, strict=True)):
            label = name if index == 0 else ""
            shown = f"{ours_time * 1000:8.3f}" if index == 0 else " " * 8
            print(f"{label:<36} {shown}   {bare_name:<46} {bare_time * 1000:8.3f} {ours_time / bare_time:6.2f}")


if __name__ == "__main__":
    main()
