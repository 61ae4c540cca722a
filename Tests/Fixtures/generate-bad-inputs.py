#!/usr/bin/env python3
"""Writes spool's bad-input corpus: batch files that must all be rejected (folder-contract §2, §3, §9).

Usage: generate-bad-inputs.py OUTPUT_DIR

Deterministic (stdlib only, fixed seed): the same files, byte for byte, on every run.
Every file gets an entry in OUTPUT_DIR/manifest.json:

    {"count": N, "max_batch_bytes": 1048576, "files": {
        "<name>.json": {"fields": [...], "message": "...",        # what the service's receipt must say
                        "validator_fields": [...], "validator_message": "...",   # only for oversize files
                        "oversize": true|false, "secret": "..."|null}}}

- fields: every one must appear as an error's field in the rejection receipt.
- message: a fragment (case-insensitive) of the message of at least one error whose field is in fields.
- oversize: the file is larger than the 1 MiB limit, so the service rejects it unread (field "$");
  BatchValidator alone (which does not know the limit) must still reject it, with validator_fields.
- secret: an api_key value the file carries; it must not appear in anything spool writes
  (the rejected copy is re-serialised without api_key).
- bug: null, or a key of BUGS below: the service gets this file wrong today, so the tests leave it out.

Files are named NNN-category-description.json (ASCII, no spaces). The directory must be empty or
missing; nothing else is written there.
"""

import json
import os
import random
import sys

MAX_BATCH_BYTES = 1024 * 1024
URL = "https://example.com/watch?v=corpus"
CANARY = "spool-corpus-escape"  # traversal targets; no file of this name may ever appear

rng = random.Random(20240604)
cases = []  # (slug, bytes, entry)


def dumps(obj):
    """JSON text as UTF-8 bytes, non-ASCII kept as is, key order as given."""
    return json.dumps(obj, ensure_ascii=False).encode("utf-8")


def base(**members):
    """A valid one-job batch plus (or with replaced) top-level members."""
    obj = {"folder": "corpus/base", "jobs": [{"url": URL}]}
    for key, value in members.items():
        obj[key] = value
    return obj


# Known service bugs: a file tagged bug="<key>" (a key of BUGS, saying what is wrong) is left out of the
# tests until the bug is fixed. None today. (Before the strict JSON check, trailing commas, malformed tokens
# such as 023 and duplicate keys were accepted or misreported; the broken-* and duplicate-key-* files cover them.)
BUGS = {}


def add(slug, data, fields, message, secret=None, validator_fields=None, validator_message=None, bug=None):
    if isinstance(data, (dict, list)):
        data = dumps(data)
    elif isinstance(data, str):
        data = data.encode("utf-8")
    assert isinstance(data, bytes)
    if isinstance(fields, str):
        fields = [fields]
    oversize = len(data) > MAX_BATCH_BYTES
    assert bug is None or bug in BUGS, bug
    entry = {"fields": list(fields), "message": message, "oversize": oversize, "secret": secret, "bug": bug}
    if oversize:
        assert fields == ["$"], slug
        assert validator_fields, slug
        entry["validator_fields"] = list(validator_fields)
        entry["validator_message"] = validator_message
    else:
        assert validator_fields is None, slug
    cases.append((slug, data, entry))


def member(key, value):
    """A batch with one member set, as a dict (insertion order: folder, jobs, key)."""
    return base(**{key: value})


def slugify(text, limit=28):
    out = []
    for ch in text:
        if ch.isascii() and ch.isalnum():
            out.append(ch.lower())
        elif out and out[-1] != "_":
            out.append("_")
    s = "".join(out).strip("_")[:limit].strip("_")
    return s or "empty"


# --- 1. Broken JSON ----------------------------------------------------------------------------

VALID_TEXT = '{"folder": "corpus/broken", "jobs": [{"url": "%s", "filename": "clip"}], "format": "mp4"}\n' % URL

for cut in [1, 2, 9, 12, 20, 30, 45, 60, 75, 85, 95, len(VALID_TEXT) - 3, len(VALID_TEXT) - 2]:
    add("broken-truncated-at-%d" % cut, VALID_TEXT[:cut], "$", "not valid JSON")

BROKEN = [
    ("trailing-comma-object", '{"jobs": [{"url": "%s"}],}' % URL),
    ("trailing-comma-array", '{"jobs": [{"url": "%s"},]}' % URL),
    ("trailing-comma-item", '{"jobs": [{"url": "%s",}]}' % URL),
    ("single-quotes", "{'jobs': [{'url': '%s'}]}" % URL),
    ("unquoted-keys", '{jobs: [{url: "%s"}]}' % URL),
    ("line-comment", '{"jobs": [{"url": "%s"}] // comment\n}' % URL),
    ("block-comment", '{/* c */ "jobs": [{"url": "%s"}]}' % URL),
    ("hash-comment", '# batch\n{"jobs": [{"url": "%s"}]}' % URL),
    ("nan", '{"jobs": [{"url": "%s"}], "video_quality": NaN}' % URL),
    ("infinity", '{"jobs": [{"url": "%s"}], "video_quality": Infinity}' % URL),
    ("minus-infinity", '{"jobs": [{"url": "%s"}], "max_duration": -Infinity}' % URL),
    ("hex-number", '{"jobs": [{"url": "%s"}], "video_quality": 0x17}' % URL),
    ("leading-zero", '{"jobs": [{"url": "%s"}], "video_quality": 023}' % URL),
    ("plus-sign", '{"jobs": [{"url": "%s"}], "video_quality": +23}' % URL),
    ("leading-dot", '{"jobs": [{"url": "%s"}], "video_quality": .5}' % URL),
    ("trailing-dot", '{"jobs": [{"url": "%s"}], "video_quality": 23.}' % URL),
    ("missing-colon", '{"jobs" [{"url": "%s"}]}' % URL),
    ("missing-comma", '{"jobs": [{"url": "%s"}] "format": "mp4"}' % URL),
    ("missing-comma-items", '{"jobs": [{"url": "%s"} {"url": "%s"}]}' % (URL, URL)),
    ("extra-closing-brace", '{"jobs": [{"url": "%s"}]}}' % URL),
    ("two-objects", '{"jobs": [{"url": "%s"}]}{"jobs": [{"url": "%s"}]}' % (URL, URL)),
    ("trailing-garbage", '{"jobs": [{"url": "%s"}]} x' % URL),
    ("unterminated-string", '{"jobs": [{"url": "%s}]}' % URL),
    ("unterminated-object", '{"jobs": [{"url": "%s"}]' % URL),
    ("invalid-escape", '{"jobs": [{"url": "%s", "filename": "a\\x41"}]}' % URL),
    ("short-unicode-escape", '{"jobs": [{"url": "%s", "filename": "a\\u12"}]}' % URL),
    ("raw-tab-in-string", '{"jobs": [{"url": "%s", "filename": "a\tb"}]}' % URL),
    ("raw-newline-in-string", '{"jobs": [{"url": "%s\n"}]}' % URL),
    ("capital-true", '{"jobs": [{"url": "%s"}], "audio_only": True}' % URL),
    ("undefined", '{"jobs": [{"url": "%s"}], "folder": undefined}' % URL),
    ("bare-word", "jobs"),
    ("equals-instead-of-colon", '{"jobs" = [{"url" = "%s"}]}' % URL),
    ("yaml", "jobs:\n  - url: %s\n" % URL),
    ("empty-key-value", '{"jobs": }'),
    ("only-open-brace", "{"),
    ("only-close-brace", "}"),
]
for slug, text in BROKEN:
    add("broken-" + slug, text, "$", "not valid JSON")
add("broken-lone-high-surrogate", '{"jobs": [{"url": "%s", "filename": "a\\ud800b"}]}' % URL, "$", "not valid JSON")
add("broken-lone-low-surrogate", '{"jobs": [{"url": "%s\\udc00"}]}' % URL, "$", "not valid JSON")
add("broken-minus-only", '{"jobs": [{"url": "%s"}], "video_quality": -}' % URL, "$", "not valid JSON")
add("broken-exponent-without-digits", '{"jobs": [{"url": "%s"}], "max_duration": 1e}' % URL, "$",
    "not valid JSON")
add("broken-trailing-comma-nested", '{"jobs": [{"url": "%s"}], "folder": "a",}' % URL, "$", "not valid JSON")
DUPLICATES = [
    ("format", '{"jobs": [{"url": "%s"}], "format": "mp4", "format": "mp3"}' % URL, "format"),
    ("jobs", '{"jobs": [{"url": "%s"}], "jobs": [{"url": "ftp://example.com/a"}]}' % URL, "jobs"),
    ("url", '{"jobs": [{"url": "%s", "url": "file:///etc/passwd"}]}' % URL, "jobs[0].url"),
    ("folder", '{"folder": "a", "jobs": [{"url": "%s"}], "folder": "../%s"}' % (URL, CANARY), "folder"),
    ("malformed-second", '{"jobs": [{"url": "%s"}], "video_quality": 20, "video_quality": 023}' % URL,
     "video_quality"),
]
for slug, text, field in DUPLICATES:
    # Not JSON one can rely on (RFC 8259: names SHOULD be unique; parsers disagree on which value wins).
    add("duplicate-key-" + slug, text, "$", "twice")

for slug, text in [("empty-file", ""), ("whitespace-only", "  \n\t \r\n"), ("bom-only", "\ufeff"),
                   ("bom-then-whitespace", "\ufeff   \n")]:
    add("broken-" + slug, text, "$", "not valid JSON")

for slug, text, kind in [("null", "null", "null"), ("true", "true", "a boolean"), ("number", "42", "a number"),
                         ("string", '"jobs"', "a string"), ("empty-array", "[]", "an array"),
                         ("array-of-jobs", '[{"url": "%s"}]' % URL, "an array"),
                         ("array-of-batches", '[{"jobs": [{"url": "%s"}]}]' % URL, "an array")]:
    add("toplevel-" + slug, text, "$", "must be a JSON object")

# --- 2. Nesting ----------------------------------------------------------------------------------

add("nesting-10000-arrays-in-jobs", '{"jobs": ' + "[" * 10000 + "]" * 10000 + "}", "$", "not valid JSON")
add("nesting-10000-objects-in-url",
    '{"jobs": [{"url": ' + '{"a": ' * 10000 + "1" + "}" * 10000 + "}]}", "$", "not valid JSON")
add("nesting-10000-arrays-toplevel", "[" * 10000 + "]" * 10000, "$", "not valid JSON")
add("nesting-10000-objects-toplevel", '{"jobs": [], "x": ' * 10000 + "0" + "}" * 10000, "$", "not valid JSON")
add("nesting-10000-unclosed", '{"jobs": ' + "[" * 10000, "$", "not valid JSON")
add("nesting-100000-arrays-in-folder", '{"jobs": [{"url": "%s"}], "folder": ' % URL + "[" * 100000 + "]" * 100000 + "}",
    "$", "not valid JSON")
# Deep, but within any sane parser limit: the document parses and the key is judged.
add("nesting-100-in-unknown-key", '{"jobs": [{"url": "%s"}], "extra": ' % URL + "[" * 100 + "]" * 100 + "}",
    "extra", "unknown key")
add("nesting-100-in-folder", '{"jobs": [{"url": "%s"}], "folder": ' % URL + "[" * 100 + "]" * 100 + "}",
    "folder", "must be a string")
add("nesting-100-objects-as-job",
    '{"jobs": [' + '{"url": ' * 100 + '"%s"' % URL + "}" * 100 + "]}", "jobs[0].url", "must be a string")

# --- 3. Sizes and job counts ----------------------------------------------------------------------

many = {"jobs": [{"url": "https://example.com/v/%d" % i} for i in range(100001)]}
add("jobs-100001", many, "$", "limit", validator_fields=["jobs"], validator_message="at most 100")
add("jobs-101", {"jobs": [{"url": "https://example.com/v/%d" % i} for i in range(101)]}, "jobs", "at most 100")
add("jobs-1000", {"jobs": [{"url": "https://example.com/v/%d" % i} for i in range(1000)]}, "jobs", "at most 100")
add("jobs-empty", {"jobs": []}, "jobs", "at least 1")
add("jobs-empty-with-options", {"folder": "x", "format": "mkv", "jobs": []}, "jobs", "at least 1")
add("jobs-missing", {"folder": "corpus/nojobs", "format": "mp4"}, "jobs", "required")
add("jobs-missing-empty-object", {}, "jobs", "required")
add("jobs-null", {"jobs": None}, "jobs", "required")
add("jobs-101-all-bad", {"jobs": [{"url": "ftp://example.com/%d" % i} for i in range(101)]},
    ["jobs", "jobs[0].url", "jobs[100].url"], "at most 100")
pad = b" " * (MAX_BATCH_BYTES + 1)
add("size-padded-over-limit", b'{"jobs": [{"url": "ftp://example.com/a"}]' + pad + b"}", "$", "limit",
    validator_fields=["jobs[0].url"], validator_message="only http")
add("size-huge-filename-over-limit", {"jobs": [{"url": URL, "filename": "f" * (MAX_BATCH_BYTES + 10)}]}, "$",
    "limit", validator_fields=["jobs[0].filename"], validator_message="at most 255")
add("size-huge-url-over-limit", {"jobs": [{"url": "https://example.com/" + "u" * (2 * MAX_BATCH_BYTES)}]}, "$",
    "limit", validator_fields=["jobs[0].url"], validator_message="at most 2048")

# --- 4. Wrong types for every key ----------------------------------------------------------------

STRING_KEYS = ["folder", "format", "video_codec", "audio_codec", "audio_bitrate", "quality_preset",
               "max_resolution", "clip_start", "clip_end", "idempotency_key", "api_key"]
INT_KEYS = ["video_quality", "max_duration"]
BOOL_KEYS = ["audio_only", "download_subtitles", "download_thumbnail", "live_recording", "live_from_start",
             "wait_for_video"]

NOT_STRINGS = [("int", 1), ("float", -1.5), ("true", True), ("false", False), ("empty-array", []),
               ("array", ["mp4"]), ("empty-object", {}), ("object", {"value": "mp4"})]
NOT_INTS = [("string", "23"), ("float", 23.5), ("true", True), ("array", [23]), ("object", {"n": 23}),
            ("raw-1e400", None), ("raw-huge-int", None)]
NOT_BOOLS = [("int-1", 1), ("int-0", 0), ("string-true", "true"), ("string-false", "false"), ("array", [True]),
             ("object", {}), ("string-yes", "yes")]

for key in STRING_KEYS:
    for label, value in NOT_STRINGS:
        if key == "max_resolution" and isinstance(value, int) and not isinstance(value, bool):
            add("type-%s-%s" % (key, label), member(key, value), key, "must be one of")
            continue
        add("type-%s-%s" % (key, label), member(key, value), key, "must be")
for key in INT_KEYS:
    for label, value in NOT_INTS:
        if label == "raw-1e400":
            text = '{"jobs": [{"url": "%s"}], "%s": 1e400}' % (URL, key)
        elif label == "raw-huge-int":
            text = '{"jobs": [{"url": "%s"}], "%s": 99999999999999999999999}' % (URL, key)
        else:
            text = member(key, value)
        add("type-%s-%s" % (key, label), text, key, "whole number")
for key in BOOL_KEYS:
    for label, value in NOT_BOOLS:
        add("type-%s-%s" % (key, label), member(key, value), key, "true or false")

for label, value in [("string", URL), ("int", 1), ("true", True), ("object", {"url": URL}),
                     ("empty-string", ""), ("object-of-items", {"0": {"url": URL}})]:
    add("type-jobs-" + label, {"jobs": value}, "jobs", "must be an array")
for label, value in [("string", URL), ("int", 7), ("null", None), ("true", True), ("array", [URL]),
                     ("nested-item", [{"url": URL}])]:
    add("type-job-item-" + label, {"jobs": [value]}, "jobs[0]", "must be an object")
for label, value in [("int", 1), ("true", True), ("array", [URL]), ("object", {"href": URL}), ("float", 1.5)]:
    add("type-url-" + label, {"jobs": [{"url": value}]}, "jobs[0].url", "must be a string")
for label, value in [("int", 1), ("true", True), ("array", ["clip"]), ("object", {"name": "clip"})]:
    add("type-filename-" + label, {"jobs": [{"url": URL, "filename": value}]}, "jobs[0].filename",
        "must be a string")
add("type-url-missing", {"jobs": [{"filename": "clip"}]}, "jobs[0].url", "required")
add("type-url-null", {"jobs": [{"url": None}]}, "jobs[0].url", "required")
add("type-url-missing-empty-item", {"jobs": [{}]}, "jobs[0].url", "required")

# --- 5. Every enum wrong -------------------------------------------------------------------------

ENUM_BAD = {
    "format": ["", "MP4", " mp4", "mp4 ", "avi", "flv", "m4v", "mpeg4", "aac", "mp4\u0000", "wav", "ogv",
               "mp4;rm -rf /", ".mp4", "mp4\n"],
    "video_codec": ["", "H264", "h.264", "x264", "hevc", "av1", "vp8", "avc1", "COPY", "none", "h264 "],
    "audio_codec": ["", "AAC", "vorbis", "flac", "pcm_s16le", "mp3 ", "libopus", "none", "copy\n"],
    "audio_bitrate": ["", "128", "128K", "192kbps", "96k", "1000k", "-128k", "128k ", "0k"],
    "quality_preset": ["", "Highest", "ultra", "best", "hd", "4k", "worst", "medium "],
    "max_resolution": ["", "1080p", "4k", "720P", "1081", "Best", "worst", "0", "-720", " 720"],
}
for key, values in ENUM_BAD.items():
    for value in values:
        add("enum-%s-%s" % (key, slugify(repr(value))), member(key, value), key, "must be one of")
for value in [1081, 0, -720, 4320, 1080000000000]:
    add("enum-max_resolution-int-%d" % value, member("max_resolution", value), "max_resolution", "must be one of")

CLIP_BAD = ["abc", "1:2:3:4", "-5", "00:60:00", "00:00:60", "1e3", "NaN", "inf", " 5", "5 ", "5s", "1:5:", "",
            "00:00:0x", "1.5.5", "1:30.5:00", "\u0661\u0662", "+5", "0x10", ":", "5,5"]
for value in CLIP_BAD:
    add("clip_start-%s" % slugify(repr(value)), member("clip_start", value), "clip_start", "must be HH:MM:SS")
for value in ["never", "-1", "99:99", "end"]:
    add("clip_end-%s" % slugify(value), member("clip_end", value), "clip_end", "must be HH:MM:SS")
for start, end in [("00:00:07", "00:00:05"), ("10", "10"), ("1:00", "59.9"), ("90.5", "90.25")]:
    add("clip_end-not-after-start-%s-%s" % (slugify(start), slugify(end)),
        base(clip_start=start, clip_end=end), "clip_end", "must be greater than")
for end in ["0", "00:00:00", "0.0", "00:00"]:
    add("clip_end-zero-%s" % slugify(end), member("clip_end", end), "clip_end", "must be greater than")
add("clip_end-huge-digits", member("clip_end", "9" * 400), "clip_end", "must be HH:MM:SS")

for key, value in [("video_quality", -1), ("video_quality", 52), ("video_quality", 100),
                   ("video_quality", -9223372036854775808), ("video_quality", 9223372036854775807),
                   ("max_duration", 0), ("max_duration", -1), ("max_duration", -9223372036854775808)]:
    add("range-%s-%d" % (key, value), member(key, value), key, "whole number")
add("range-video_quality-exponent", '{"jobs": [{"url": "%s"}], "video_quality": 1e2}' % URL, "video_quality",
    "whole number")
add("range-video_quality-fraction", '{"jobs": [{"url": "%s"}], "video_quality": 23.5}' % URL, "video_quality",
    "whole number")
add("idempotency_key-empty", member("idempotency_key", ""), "idempotency_key", "must not be empty")
add("idempotency_key-201", member("idempotency_key", "k" * 201), "idempotency_key", "at most 200")
add("idempotency_key-100000", member("idempotency_key", "k" * 100000), "idempotency_key", "at most 200")

# --- 6. Traversal in folder and filename ---------------------------------------------------------

FOLDER_BAD = [
    ("..", "segment"), ("../" + CANARY, "segment"), ("a/../../" + CANARY, "segment"), ("a/..", "segment"),
    ("../", "segment"), ("a/..//b", "segment"), ("../../../../../../tmp/" + CANARY, "segment"),
    ("/tmp/" + CANARY, "must not start with"), ("/", "must not start with"), ("//" + CANARY, "must not start with"),
    ("\\", "must not start with"), ("\\\\server\\share\\" + CANARY, "must not start with"),
    ("a\\b", "must not contain \\"), ("..\\" + CANARY, "must not contain \\"),
    ("a\\..\\..\\" + CANARY, "must not contain \\"),
    ("", "must not be empty"), (" ", "must not be empty"), ("\t\n", "must not be empty"),
    ("\u3000", "must not be empty"),
    (".", "nothing left"), ("./" + CANARY, "nothing left"), ("a/./.", "nothing left"), ("a/.../b", "nothing left"),
    ("a/ /b", "nothing left"), ("a/???/b", "nothing left"), ("a/\u0007/b", "nothing left"),
    ("a/\u0000/b", "NUL"), ("\u0000", "NUL"), ("videos\u0000/../" + CANARY, "NUL"),
    ("f" * 201, "at most 200"), ("a/" * 150, "at most 200"), ("x" * 500000, "at most 200"),
]
for value, fragment in FOLDER_BAD:
    add("folder-%s" % slugify(repr(value)), member("folder", value), "folder", fragment)

FILENAME_BAD = [
    ("..", "'..'"), ("../" + CANARY, "'..'"), ("a/../b", "'..'"), ("x..y", "'..'"), ("...", "'..'"),
    ("..\\..\\" + CANARY, "'..'"), ("....//....//" + CANARY, "'..'"),
    ("/tmp/" + CANARY, "must not contain /"), ("/", "must not contain /"), ("a/b", "must not contain /"),
    ("\\", "must not contain /"), ("a\\b", "must not contain /"), ("\\\\server\\share", "must not contain /"),
    ("C:\\Windows\\" + CANARY, "must not contain /"), ("dir/", "must not contain /"),
    ("clip\u0000.mp4", "NUL"), ("\u0000", "NUL"),
    ("n" * 256, "at most 255"), ("\u00e9" * 256, "at most 255"), ("n" * 100000, "at most 255"),
    ("n" * 900000, "at most 255"),
]
for value, fragment in FILENAME_BAD:
    add("filename-%s" % slugify(repr(value)), {"folder": "corpus/fn", "jobs": [{"url": URL, "filename": value}]},
        "jobs[0].filename", fragment)

# --- 7. URLs ---------------------------------------------------------------------------------------

URL_BAD = [
    ("file:///etc/passwd", "only http"), ("FILE:///etc/passwd", "only http"), ("file://localhost/etc/passwd", "only http"),
    ("ftp://example.com/video.mp4", "only http"), ("ftps://example.com/v.mp4", "only http"),
    ("sftp://example.com/v.mp4", "only http"), ("gopher://example.com/", "only http"),
    ("javascript:alert(1)", "only http"), ("data:text/plain,hello", "only http"),
    ("mailto:someone@example.com", "only http"), ("rtmp://example.com/live", "only http"),
    ("ytsearch:never gonna", "whitespace"), ("ytsearch10:cats", "only http"), ("smb://server/share/v.mp4", "only http"),
    ("httpx://example.com/v", "only http"), ("ws://example.com/socket", "only http"),
    ("-o/tmp/" + CANARY, "must not start with '-'"), ("--exec=touch /tmp/" + CANARY, "whitespace"),
    ("--exec=id", "must not start with '-'"), ("-https://example.com/v", "must not start with '-'"),
    ("-", "must not start with '-'"), ("--", "must not start with '-'"), ("--batch-file=/etc/passwd", "must not start with '-'"),
    ("https://example.com/a b", "whitespace"), (" https://example.com/v", "whitespace"),
    ("https://example.com/v ", "whitespace"), ("https://example.com/v\n", "whitespace"),
    ("https://example.com/v\nhttps://evil.example/", "whitespace"), ("https://example.com/\r\nX-Injected: 1", "whitespace"),
    ("https://example.com/\tv", "whitespace"), ("https://example.com/\u000bv", "whitespace"),
    ("https://example.com/\u00a0v", "whitespace"), ("https://example.com/\u2028v", "whitespace"),
    ("https://example.com/\u2029v", "whitespace"), ("https://example.com/\u200bv", "whitespace"),
    ("https://example.com/\u3000v", "whitespace"), ("https://example.com/\ufeffv", "whitespace"),
    ("https://example.com/\u0085v", "whitespace"), ("https://example.com/\u001fv", "whitespace"),
    ("https://example.com/\u007fv", "whitespace"), ("https://example.com/\u0000v", "whitespace"),
    ("https://example.com/\u202ev", "whitespace"),
    ("https://example.com/" + "a" * 2029, "at most 2048"), ("https://example.com/" + "a" * 5000, "at most 2048"),
    ("https://example.com/?q=" + "%20" * 2000, "at most 2048"), ("https://example.com/" + "a" * 900000, "at most 2048"),
    ("", "must not be empty"), ("https://", "no host"), ("http:///path", "no host"),
    ("example.com/video", "not a valid URL"), ("//example.com/video", "not a valid URL"),
    ("https://exa<mple>.com/", "not a valid URL"), ("not a url", "whitespace"),
]
for value, fragment in URL_BAD:
    obj = {"jobs": [{"url": value}]}
    # U+FEFF written raw would be a byte order mark in the middle ($); escaped it reaches the URL check.
    data = json.dumps(obj, ensure_ascii=True).encode() if "\ufeff" in value else obj
    add("url-%s" % slugify(repr(value), 36), data, "jobs[0].url", fragment)
assert len("https://example.com/" + "a" * 2029) == 2049

# --- 8. Unknown keys --------------------------------------------------------------------------------

UNKNOWN_TOP = [("audio_onyl", "did you mean audio_only"), ("Format", "did you mean format"), ("jobz", "did you mean jobs"),
               ("audio-only", "did you mean audio_only"), ("url", "unknown key"), ("filename", "unknown key"),
               ("callback_url", "unknown key"), ("priority", "unknown key"), (" jobs", "unknown key"),
               ("JOBS", "unknown key"), ("__proto__", "unknown key"), ("constructor", "unknown key"),
               ("jobs[0]", "unknown key"), ("$", "unknown key"), ("storage", "not supported"),
               ("paused", "not supported"), ("output_template", "unknown key"), ("exec", "unknown key"),
               ("k" * 10000, "unknown key"), ("jo\u0000bs", "unknown key"), ("\u00e9", "unknown key")]
for key, fragment in UNKNOWN_TOP:
    add("unknown-top-%s" % slugify(repr(key)), member(key, True), key, fragment)
UNKNOWN_ITEM = [("URL", "unknown key"), ("title", "unknown key"), ("file_name", "did you mean filename"),
                ("format", "move format to the top level"), ("folder", "move folder to the top level"),
                ("audio_only", "move audio_only to the top level"), ("webhook_url", "move webhook_url"),
                ("urls", "unknown key"), ("exec", "unknown key")]
for key, fragment in UNKNOWN_ITEM:
    add("unknown-item-%s" % slugify(key), {"jobs": [{"url": URL, key: "x"}]}, "jobs[0].%s" % key, fragment)
many_keys = base()
for i in range(2000):
    many_keys["unknown_%04d" % i] = i
add("unknown-2000-keys", many_keys, ["unknown_0000", "unknown_1999"], "unknown key")

# --- 9. Contradictions and webhooks -------------------------------------------------------------------

for fmt in ["m4a", "mp3", "ogg", "opus"]:
    add("contra-audio-format-%s-without-audio_only" % fmt, base(format=fmt), "format", "audio format")
    add("contra-audio-format-%s-audio_only-false" % fmt, base(format=fmt, audio_only=False), "format",
        "audio format")
for fmt in ["mp4", "mkv", "webm", "mov"]:
    add("contra-video-format-%s-with-audio_only" % fmt, base(format=fmt, audio_only=True), "format",
        "video format")
for fmt, codec in [("webm", "h264"), ("webm", "h265"), ("mov", "vp9")]:
    add("contra-%s-video-%s" % (fmt, codec), base(format=fmt, video_codec=codec), "video_codec", "cannot hold")
for codec in ["h264", "h265", "vp9"]:
    add("contra-audio_only-video-%s" % codec, base(audio_only=True, video_codec=codec), "video_codec",
        "audio_only")
for fmt, codec in [("webm", "aac"), ("webm", "mp3"), ("mov", "opus")]:
    add("contra-%s-audio-%s" % (fmt, codec), base(format=fmt, audio_codec=codec), "audio_codec", "cannot hold")
for fmt, codec in [("m4a", "opus"), ("m4a", "mp3"), ("mp3", "opus"), ("mp3", "aac"), ("ogg", "aac"),
                   ("ogg", "mp3"), ("opus", "aac"), ("opus", "mp3")]:
    add("contra-%s-audio-%s" % (fmt, codec), base(format=fmt, audio_only=True, audio_codec=codec), "audio_codec",
        "cannot hold")
add("contra-default-m4a-audio-mp3", base(audio_only=True, audio_codec="mp3"), "audio_codec", "cannot hold")
add("contra-default-mp4-video-vp9-ok-webm-aac", base(format="webm", video_codec="h264", audio_codec="aac"),
    ["video_codec", "audio_codec"], "cannot hold")
for label, value in [("string", "https://hooks.example.com/x"), ("null", None), ("empty", ""), ("int", 1),
                     ("object", {"url": "https://hooks.example.com/x"})]:
    add("webhook_url-%s" % label, member("webhook_url", value), "webhook_url", "not supported for bulk")
for value in [True, False]:
    add("enable_progress_webhook-%s" % str(value).lower(), member("enable_progress_webhook", value),
        "enable_progress_webhook", "not supported for bulk")
add("webhook-both", base(webhook_url="https://hooks.example.com/x", enable_progress_webhook=True),
    ["webhook_url", "enable_progress_webhook"], "not supported for bulk")

# --- 10. NUL bytes, invalid UTF-8, byte order marks --------------------------------------------------

good = dumps({"folder": "corpus/bytes", "jobs": [{"url": URL, "filename": "clip"}]})
add("nul-raw-between-tokens", good.replace(b'"jobs":', b'"jobs":\x00'), "$", "not valid JSON")
add("nul-raw-at-end", good + b"\x00", "$", "not valid JSON")
add("nul-raw-at-start", b"\x00" + good, "$", "not valid JSON")
add("nul-raw-in-string", good.replace(b"clip", b"cl\x00ip"), "$", "not valid JSON")
add("nul-only", b"\x00" * 1024, "$", "not valid JSON")
add("nul-escaped-in-url", {"jobs": [{"url": URL + "\u0000"}]}, "jobs[0].url", "control")
add("nul-escaped-in-filename", {"jobs": [{"url": URL, "filename": "a\u0000b"}]}, "jobs[0].filename", "NUL")
add("nul-escaped-in-folder", {"folder": "a\u0000b", "jobs": [{"url": URL}]}, "folder", "NUL")

for slug, bad in [("ff-byte", b"\xff"), ("overlong-slash", b"\xc0\xaf"), ("overlong-3-byte-slash", b"\xe0\x80\xaf"),
                  ("lone-continuation", b"\x80"), ("truncated-sequence", b"\xe2\x82"),
                  ("encoded-surrogate", b"\xed\xa0\x80"), ("five-byte-sequence", b"\xf8\x88\x80\x80\x80"),
                  ("above-max-codepoint", b"\xf4\x90\x80\x80"), ("latin1-e-acute", b"caf\xe9")]:
    add("utf8-%s-in-filename" % slug, good.replace(b"clip", b"cl" + bad + b"ip"), "$", "not valid UTF-8")
add("utf8-overlong-dotdot-in-folder", good.replace(b"corpus/bytes", b"\xc0\xae\xc0\xae/" + CANARY.encode()), "$",
    "not valid UTF-8")
add("utf8-ff-byte-in-key", good.replace(b'"folder"', b'"fold\xffer"'), "$", "not valid UTF-8")
add("utf8-invalid-at-end", good + b"\xc3", "$", "not valid UTF-8")
text = good.decode("utf-8")
add("utf16le-with-bom", b"\xff\xfe" + text.encode("utf-16-le"), "$", "not valid UTF-8")
add("utf16be-with-bom", b"\xfe\xff" + text.encode("utf-16-be"), "$", "not valid UTF-8")
add("utf32le-with-bom", b"\xff\xfe\x00\x00" + text.encode("utf-32-le"), "$", "not valid UTF-8")

BOM = b"\xef\xbb\xbf"
add("bom-twice-at-start", BOM + BOM + good, "$", "byte order mark")
add("bom-after-brace", b"{" + BOM + good[1:], "$", "byte order mark")
add("bom-raw-in-url", good.replace(b"corpus", b"cor" + BOM + b"pus", 1).replace(b"v=corpus", b"v=c" + BOM), "$",
    "byte order mark")
add("bom-raw-in-filename", good.replace(b"clip", b"cl" + BOM + b"ip"), "$", "byte order mark")
add("bom-at-end", good + BOM, "$", "byte order mark")
add("bom-between-tokens", good.replace(b", ", b", " + BOM, 1), "$", "byte order mark")
add("bom-after-space", b" " + BOM + good, "$", "byte order mark")
add("bom-in-middle-of-jobs", dumps({"jobs": [{"url": URL}, {"url": URL}]}).replace(b"}, {", b"}, " + BOM + b"{"),
    "$", "byte order mark")
# One leading BOM is tolerated: the rest of the file is judged.
add("bom-leading-then-ftp-url", BOM + dumps({"jobs": [{"url": "ftp://example.com/a"}]}), "jobs[0].url", "only http")
add("bom-leading-then-wrong-type", BOM + dumps(base(audio_only="yes")), "audio_only", "true or false")

# --- 11. Huge strings --------------------------------------------------------------------------------

add("huge-format-500k", member("format", "m" * 500000), "format", "must be one of")
add("huge-video_codec-500k", member("video_codec", "\u00e9" * 250000), "video_codec", "must be one of")
add("huge-clip_start-500k-digits", member("clip_start", "1" * 500000), "clip_start", "must be HH:MM:SS")
add("huge-unknown-value-900k", member("notes", "n" * 900000), "notes", "unknown key")
add("huge-many-bad-urls", {"jobs": [{"url": "ftp://example.com/" + "x" * 2000} for _ in range(100)]},
    ["jobs[0].url", "jobs[99].url"], "only http")
add("huge-emoji-filename", {"jobs": [{"url": URL, "filename": "\U0001F600" * 256}]}, "jobs[0].filename",
    "at most 255")
add("huge-combining-folder",
    {"folder": "e" + "\u0301" * 100000, "jobs": [{"url": URL}]}, "folder", "at most 200")
# Length limits count Unicode scalars, not grapheme clusters: each of these is short in "characters" as a
# reader sees them (one to a few dozen) but over the limit in scalars.
add("huge-combining-filename", {"jobs": [{"url": URL, "filename": "e" + "\u0301" * 100000}]}, "jobs[0].filename",
    "at most 255")
add("combining-filename-256-scalars", {"jobs": [{"url": URL, "filename": "e" + "\u0301" * 255}]},
    "jobs[0].filename", "at most 255")
add("combining-folder-201-scalars", member("folder", "e" + "\u0301" * 200), "folder", "at most 200")
add("combining-url-2049-scalars", {"jobs": [{"url": "https://example.com/e" + "\u0301" * 2028}]}, "jobs[0].url",
    "at most 2048")
add("combining-idempotency_key-201-scalars", member("idempotency_key", "k" + "\u0301" * 200), "idempotency_key",
    "at most 200")
add("zwj-family-filename", {"jobs": [{"url": URL, "filename": "\U0001F468\u200D\U0001F469\u200D\U0001F467" * 52}]},
    "jobs[0].filename", "at most 255")
add("conjoining-jamo-filename", {"jobs": [{"url": URL, "filename": "\u1100\u1161\u11A8" * 86}]},
    "jobs[0].filename", "at most 255")

# --- 12. All-or-nothing: several problems, good jobs next to bad ones; api_key never echoed ----------

add("multi-spec-example",
    {"folder": "corpus/multi", "audio_onyl": True, "clip_start": "00:00:07", "clip_end": "00:00:05",
     "jobs": [{"url": "ftp://media.example.org/a.mp4"}]},
    ["jobs[0].url", "audio_onyl", "clip_end"], "only http")
add("multi-good-then-bad-job", {"jobs": [{"url": URL}, {"url": "file:///etc/passwd"}]}, "jobs[1].url", "only http")
add("multi-99-good-then-bad", {"jobs": [{"url": URL + str(i)} for i in range(99)] + [{"url": "-x"}]},
    "jobs[99].url", "must not start with '-'")
add("multi-three-bad-jobs",
    {"jobs": [{"url": "ftp://a"}, {"url": URL + " x"}, {"url": URL, "filename": "../" + CANARY}]},
    ["jobs[0].url", "jobs[1].url", "jobs[2].filename"], "only http")
every = {"jobs": [{"url": URL}]}
for key in STRING_KEYS:
    every[key] = 7
for key in INT_KEYS:
    every[key] = "7"
for key in BOOL_KEYS:
    every[key] = "no"
add("multi-every-key-wrong", every, STRING_KEYS + INT_KEYS + BOOL_KEYS, "must be")
add("multi-traversal-everywhere",
    {"folder": "../../" + CANARY, "jobs": [{"url": "file:///" + CANARY, "filename": "../" + CANARY}]},
    ["folder", "jobs[0].url", "jobs[0].filename"], "segment")

for i, (members, fields, fragment) in enumerate([
    ({"jobs": [{"url": "ftp://example.com/a"}]}, ["jobs[0].url"], "only http"),
    ({"jobs": [{"url": URL}], "audio_onyl": True}, ["audio_onyl"], "did you mean"),
    ({"jobs": [{"url": URL, "filename": "../" + CANARY}]}, ["jobs[0].filename"], "'..'"),
    ({"jobs": [{"url": URL}], "format": "mp3"}, ["format"], "audio format"),
]):
    secret = "corpus-secret-%d-%08x" % (i, rng.getrandbits(32))
    obj = dict(members)
    obj["api_key"] = secret
    add("apikey-carried-%d" % i, obj, fields, fragment, secret=secret)
add("apikey-wrong-type", member("api_key", 12345), "api_key", "must be a string")

# --- 13. Random mutations of a valid batch that are sure to break it ---------------------------------

VALID_FULL = dumps({"folder": "corpus/random", "format": "mkv", "video_codec": "h264", "audio_codec": "aac",
                    "audio_bitrate": "128k", "video_quality": 30, "clip_start": "00:00:01", "clip_end": "00:00:03",
                    "jobs": [{"url": URL, "filename": "random clip"}]})
for i in range(24):
    data = bytearray(VALID_FULL)
    # Cut a random structural character out: always leaves invalid JSON.
    structural, in_string, escaped = [], False, False
    for j, b in enumerate(data):
        if in_string:
            escaped, in_string = (not escaped and b == 0x5C), (in_string if escaped or b != 0x22 else False)
        elif b == 0x22:
            in_string = True
        elif b in b"{}[]:":  # not ",": dropping the one before "}" leaves valid JSON
            structural.append(j)
    del data[rng.choice(structural)]
    add("random-drop-structural-%02d" % i, bytes(data), "$", "not valid JSON")
for i in range(12):
    data = bytearray(VALID_FULL)
    pos = rng.randrange(1, len(data) - 1)
    data[pos:pos] = bytes([rng.choice([0x80, 0xBF, 0xC0, 0xC1, 0xF5, 0xFE, 0xFF])])
    add("random-invalid-byte-%02d" % i, bytes(data), "$", "not valid UTF-8")


# --- Write ------------------------------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: generate-bad-inputs.py OUTPUT_DIR\n")
        return 2
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    manifest = {}
    for index, (slug, data, entry) in enumerate(cases, start=1):
        name = "%03d-%s.json" % (index, slug)
        assert name not in manifest, name
        assert len(name.encode()) <= 120 and all(c.isascii() and (c.isalnum() or c in "-_.") for c in name), name
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
        manifest[name] = entry
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump({"count": len(manifest), "max_batch_bytes": MAX_BATCH_BYTES, "canary": CANARY,
                   "files": manifest}, f, indent=1, sort_keys=True, ensure_ascii=True)
        f.write("\n")
    print("%d files in %s" % (len(manifest), out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
