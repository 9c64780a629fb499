"""Reading rule files as untrusted input: sizes capped, YAML scanned before it is built.

Before anything is built from a user's rule pack: its files are counted and
sized from `stat` (a file is at most 2 MB, all files of a load 20 MB, 1,000
files), then each file's YAML events are walked: an anchor or alias is refused
there, before anything is expanded (a 1 KB alias bomb otherwise expands to
gigabytes), and so are deep nesting, too many values, and aliases past the
per-file and pack-wide caps (counted on the events, so that 10^6 aliases over
100 files are refused after a few files, not after loading them all). Only
then is the file loaded with the safe loader (data only: no tags, no code),
recording the line of every mapping and key for error messages.
"""
from __future__ import annotations

from pathlib import Path

import yaml

from extractor.rules.safe_regex import has_control
from extractor.rules.schema import KINDS, MAX_RULES_PER_KIND

ALIAS_KEYS = ("aliases", "symbols", "aliases_ci")
MAX_FILE_BYTES = 2_000_000
MAX_PACK_BYTES = 20_000_000  # all user rule files of one load together
MAX_PACK_FILES = 1_000
MAX_ALIASES_PER_FILE = 20_000
MAX_PACK_ALIASES = 50_000  # all user rule files of one load together
MAX_DEPTH = 20  # YAML nesting (a rule file needs 6)
MAX_NODES_PER_FILE = 400_000


class RuleError(Exception):
    """A rule file that cannot be loaded; str is "FILE:LINE: rule ID: problem"."""


_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader: same rules, 10x faster


class _LineLoader(_SAFE):
    """Safe loader that records the line of every mapping under "__line__" and of
    each of its keys under "__lines__" (so errors name the offending key's line)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__lines__"] = {k.value: k.start_mark.line + 1 for k, _ in node.value
                            if isinstance(k, yaml.ScalarNode)}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def shown(path) -> str:
    """A path as printed in a message: control characters escaped (one line)."""
    text = str(path)
    return text.encode("unicode_escape").decode("ascii") if has_control(text) else text


def pack_files(extra_dirs) -> list[Path]:
    """The user's rule files, with the pack-wide size limits checked before any is read."""
    files: list[Path] = []
    for d in extra_dirs:
        d = Path(d)
        if d.is_file():  # a regular file (a FIFO or device would block or never end)
            files.append(d)
        elif d.is_dir():
            found = sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())  # no FIFO
            files.extend(found[:MAX_PACK_FILES + 1])
        else:
            raise RuleError(f"{shown(d)}: rule pack not found")
        if len(files) > MAX_PACK_FILES:
            raise RuleError(f"{shown(d)}: over {MAX_PACK_FILES} rule files (limit {MAX_PACK_FILES})")
    total = 0
    for path in files:
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise RuleError(f"{shown(path)}: cannot read rule file ({exc.__class__.__name__})") from None
        if size > MAX_FILE_BYTES:
            raise RuleError(f"{shown(path)}: {size} bytes (a rule file is at most {MAX_FILE_BYTES})")
        total += size
        if total > MAX_PACK_BYTES:
            raise RuleError(f"{shown(path)}: the rule packs pass {MAX_PACK_BYTES} bytes in all "
                            f"(limit {MAX_PACK_BYTES})")
    return files


def read_rule_file(path: Path) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise RuleError(f"{shown(path)}: cannot read rule file ({exc.__class__.__name__})") from None
    if len(data) > MAX_FILE_BYTES:
        raise RuleError(f"{shown(path)}: over {MAX_FILE_BYTES} bytes (a rule file is at most {MAX_FILE_BYTES})")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise RuleError(f"{shown(path)}: cannot read rule file (not UTF-8)") from None


def scan(path: Path, text: str) -> int:
    """Walk the YAML events before anything is built: no anchor or alias (the
    alias bomb), bounded depth and size. Nothing is expanded here. Returns the
    number of aliases (items of `aliases`, `symbols`, `aliases_ci` lists)."""
    nodes = aliases = 0
    stack: list[list] = []  # per open collection: [is_mapping, expecting_key, last_key, counts_aliases]
    try:
        for ev in yaml.parse(text, Loader=_SAFE):
            kind = type(ev)
            if kind is yaml.AliasEvent or getattr(ev, "anchor", None) is not None:
                what = "alias *" if kind is yaml.AliasEvent else "anchor &"
                raise RuleError(f"{shown(path)}:{ev.start_mark.line + 1}: YAML {what}{clip(ev.anchor)}: anchors "
                                "and aliases are not allowed in rule files (write each value out)")
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                stack.pop()
                continue
            if not isinstance(ev, yaml.NodeEvent):
                continue
            nodes += 1
            if nodes > MAX_NODES_PER_FILE:
                raise RuleError(f"{shown(path)}:{ev.start_mark.line + 1}: over {MAX_NODES_PER_FILE} values in one file")
            top = stack[-1] if stack else None
            key = None
            if top is not None and top[0]:  # in a mapping: a key, or the value of top[2]
                if top[1] and kind is yaml.ScalarEvent:
                    top[1], top[2] = False, ev.value
                    continue
                top[1], key = True, top[2]
            elif top is not None and top[3] and kind is yaml.ScalarEvent:
                aliases += 1
            if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                if len(stack) >= MAX_DEPTH:
                    raise RuleError(f"{shown(path)}:{ev.start_mark.line + 1}: nested over {MAX_DEPTH} levels deep")
                stack.append([kind is yaml.MappingStartEvent, True, None, key in ALIAS_KEYS])
    except yaml.YAMLError:
        return aliases  # _parse reports the syntax error with its line
    if aliases > MAX_ALIASES_PER_FILE:
        raise RuleError(f"{shown(path)}: {aliases} aliases in one file (limit {MAX_ALIASES_PER_FILE})")
    return aliases


def clip(text, n: int = 40) -> str:
    text = str(text)
    return repr(text[:n] + ("..." if len(text) > n else ""))[1:-1]


def parse(path: Path, text: str) -> dict:
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RuleError(f"{shown(path)}{line}: not valid YAML ({clip(getattr(exc, 'problem', exc), 120)})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RuleError(f"{shown(path)}:1: a rule file is a mapping with keys {sorted(set(KINDS))}")
    lines = doc.get("__lines__", {})
    for key, items in doc.items():
        if key in ("__line__", "__lines__"):
            continue
        where = f"{shown(path)}:{lines.get(key, 1)}"
        if key not in set(KINDS):
            raise RuleError(f"{where}: unknown top-level key {clip(key)!r} (expected one of {sorted(set(KINDS))})")
        if not isinstance(items, list):
            raise RuleError(f"{where}: {key!r} must be a list of rules")
        if len(items) > MAX_RULES_PER_KIND:
            raise RuleError(f"{where}: {len(items)} {key} in one file (limit {MAX_RULES_PER_KIND})")
    return {k: v for k, v in doc.items() if k in set(KINDS)}
