#!/usr/bin/env python3
"""Counts a Swift Testing run from its event stream (`swift test --event-stream-output-path F
--event-stream-version 0`): passed, failed and skipped tests, by Swift Testing's own verdicts.

Usage: scripts/test_summary.py EVENTS [--must-run FILE] [--partial] [--timed-out-after S]

Prints what failed, what was skipped (with the reason) and what never finished (a hang or a crash),
then, as its last line, "N passed, N failed, N skipped". Exits 1 when a test failed, an issue was
recorded outside any test, no test ran, the run did not finish, or a test listed in the --must-run
file was skipped (or, unless --partial, did not run at all); else 0.
"""

import argparse
import json
import sys


def load(path):
    """Function tests by ID, and the event payloads in order (a truncated last line is ignored)."""
    tests, events = {}, []
    try:
        lines = open(path, encoding="utf-8", errors="replace").read().splitlines()
    except OSError:
        return tests, events
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            continue
        payload = record.get("payload") or {}
        if record.get("kind") == "test":
            tests[payload.get("id")] = payload
        elif record.get("kind") == "event":
            events.append(payload)
    return tests, events


def tally(tests, events):
    """Per-test verdicts: sets of IDs started, ended, failed, skipped (ID -> reason), and stray issues."""
    functions = {i for i, t in tests.items() if t.get("kind") == "function"}
    started, ended, failed, skipped, stray, finished = set(), set(), set(), {}, [], False
    for e in events:
        kind, test_id = e.get("kind"), e.get("testID")
        text = " ".join(m.get("text", "") for m in e.get("messages") or [])
        if kind == "testStarted" and test_id in functions:
            started.add(test_id)
        elif kind == "testEnded" and test_id in functions:
            ended.add(test_id)
            if any(m.get("symbol") == "fail" for m in e.get("messages") or []):
                failed.add(test_id)
        elif kind == "testSkipped":
            # A skipped suite skips every test under it.
            for f in functions:
                if f == test_id or (test_id and f.startswith(test_id + "/")):
                    skipped[f] = text
        elif kind == "issueRecorded" and not (e.get("issue") or {}).get("isKnown"):
            if test_id in functions:
                failed.add(test_id)
            else:
                stray.append(text)
        elif kind == "runEnded":
            finished = True
    return started, ended, failed, skipped, stray, finished


def name(tests, test_id):
    t = tests.get(test_id) or {}
    return f"{t.get('displayName') or t.get('name') or test_id} [{test_id}]"


def must_run_problems(path, tests, started, skipped, partial):
    """Entries of the must-run file (Suite/function()) that were skipped, or absent from a full run."""
    problems = []
    for entry in (line.strip() for line in open(path, encoding="utf-8")):
        if not entry or entry.startswith("#"):
            continue
        ids = [i for i in tests if f".{entry}/" in f".{i}/"]
        if not ids and not partial:
            problems.append(f"must-run test {entry} is not in this run (renamed? update {path})")
        for i in ids:
            if i in skipped:
                problems.append(f"must-run test skipped ({entry}): {skipped[i] or name(tests, i)}")
            elif i not in started and not partial:
                problems.append(f"must-run test did not run: {name(tests, i)}")
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("events")
    ap.add_argument("--must-run")
    ap.add_argument("--partial", action="store_true", help="a filtered run: absent must-run tests are fine")
    ap.add_argument("--timed-out-after", type=int)
    args = ap.parse_args()
    tests, events = load(args.events)
    started, ended, failed, skipped, stray, finished = tally(tests, events)
    hung = sorted(started - ended - set(skipped))
    problems = []
    for i in sorted(failed):
        print(f"test.sh: FAILED: {name(tests, i)}")
    for i in sorted(skipped):
        print(f"test.sh: skipped: {skipped[i] or name(tests, i)} [{i}]")
    for text in stray:
        problems.append(f"issue outside any test: {text}")
    if args.timed_out_after:
        problems.append(f"the run exceeded its time limit of {args.timed_out_after} s and was stopped")
    for i in hung:
        problems.append(f"never finished (hung, or the runner crashed): {name(tests, i)}")
    if not finished and not args.timed_out_after:
        problems.append("the test run did not finish (no runEnded event): the runner crashed or was killed")
    if args.must_run:
        problems += must_run_problems(args.must_run, tests, started, skipped, args.partial)
    passed = len(ended - failed - set(skipped))
    failures = len(failed | set(hung))
    if passed + failures == 0:
        problems.append(f"no test ran (events in {args.events})")
    for p in problems:
        print(f"test.sh: {p}")
    print(f"{passed} passed, {failures} failed, {len(skipped)} skipped")
    return 1 if failures or problems else 0


if __name__ == "__main__":
    sys.exit(main())
