"""Load the built-in rule files plus user rule packs into one `RuleSet`.

Rule files are YAML read with the safe loader (data only: no tags, no code).
A file may hold any of the top-level keys `units`, `metrics`, `datasets`,
`accept`, `exclude`. A user pack's entry with the id of a built-in one replaces
it (that is how aliases are overridden); within one file an id may appear once.
Anything wrong (unknown key, missing examples, duplicate id, a regex that does
not compile or that backtracks past its time budget) raises `RuleError` naming
the file, the rule and the line.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import regex
import yaml

from extractor.rules.lexicon import Entry, Lexicon
from extractor.rules.patterns import UNIT_FAMILIES, PatternRule, compile_left, compile_right
from extractor.rules.units import UNIT_KEYS, Unit, UnitTable

BUILTIN_DIR = Path(__file__).parent
BUILTIN_FILES = ("units.yaml", "metrics.yaml", "datasets.yaml", "patterns.yaml")
ENV_VAR = "LBX_RULES"
TOP_KEYS = {"units", "metrics", "datasets", "accept", "exclude", "fragments"}
METRIC_KEYS = {"id", "name", "aliases", "symbols", "higher_is_better", "scale", "range",
               "unit_family", "task", "examples", "not_examples", "generic"}
DATASET_KEYS = {"id", "name", "aliases", "aliases_ci", "splits", "task", "examples", "not_examples"}
PATTERN_KEYS = {"id", "kind", "units", "left", "right", "sign", "metric", "role", "confidence",
                "why", "examples", "near", "gap"}
FRAGMENT_KEYS = {"id", "regex", "examples"}
_FRAGMENT_REF = regex.compile(r"\{\{(\w+)\}\}")
MAX_ALIASES_PER_FILE = 20000
MAX_REGEX_LEN = 4000
# Inputs on which every pattern must finish quickly (catastrophic backtracking guard).
# Patterns only ever see a window of a few hundred characters, so the probes are that
# long: polynomial work on them is fine, exponential backtracking is not.
PATHOLOGICAL = ["1" * 400, "." * 400, " " * 400, "x" * 400, "%" * 400,
                "1." * 200, "a " * 200, "by " * 130, "1, " * 130, "-" * 400, "aA1 " * 100, "a" * 400]
BUDGET_SECONDS = 0.25


class RuleError(Exception):
    """A rule file that cannot be loaded; str is "FILE:LINE: rule ID: problem"."""


_SAFE = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's safe loader: same rules, 10x faster


class _LineLoader(_SAFE):
    """Safe loader that records the line of every mapping under "__line__"."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@dataclass
class RuleSet:
    units: UnitTable
    metrics: Lexicon
    datasets: Lexicon
    accept: list[PatternRule]
    exclude: list[PatternRule]
    hash: str
    files: list[Path] = field(default_factory=list)
    raw: dict[str, list[dict]] = field(default_factory=dict)  # entries as loaded, for tools and tests
    _by_family: dict = field(default_factory=dict, repr=False)

    def patterns_for(self, family: str) -> tuple[list[PatternRule], list[PatternRule]]:
        """(exclude, accept) patterns that can fit a number of this unit family, in
        order: a number is tried against a handful of patterns, not all of them."""
        found = self._by_family.get(family)
        if found is None:
            fits = lambda r: "any" in r.units or family in r.units  # noqa: E731
            found = ([r for r in self.exclude if fits(r)], [r for r in self.accept if fits(r)])
            self._by_family[family] = found
        return found


def rule_dirs_from_env() -> list[Path]:
    value = os.environ.get(ENV_VAR, "")
    return [Path(p) for p in value.split(os.pathsep) if p.strip()]


def load_rules(extra_dirs: Sequence[Path | str] = ()) -> RuleSet:
    files = [BUILTIN_DIR / name for name in BUILTIN_FILES]
    for d in extra_dirs:
        d = Path(d)
        if d.is_file():
            files.append(d)
        elif d.is_dir():
            files.extend(sorted(p for p in d.iterdir() if p.suffix in (".yaml", ".yml")))
        else:
            raise RuleError(f"{d}: rule pack not found")
    merged: dict[str, dict[str, dict]] = {k: {} for k in TOP_KEYS}
    digest = hashlib.sha256()
    builtin = set(files[:len(BUILTIN_FILES)])
    for path in files:
        text = _read(path)
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        for key, items in _parse(path, text).items():
            for item in items:
                item["__user__"] = path not in builtin
                merged[key][item["id"]] = item  # later files override earlier ids
    return _build(merged, files, digest.hexdigest()[:16])


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RuleError(f"{path}: cannot read rule file ({exc.__class__.__name__})") from None


def _parse(path: Path, text: str) -> dict[str, list[dict]]:
    try:
        doc = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark else ""
        raise RuleError(f"{path}{line}: not valid YAML ({getattr(exc, 'problem', exc)})") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise RuleError(f"{path}:1: a rule file is a mapping with keys {sorted(TOP_KEYS)}")
    out: dict[str, list[dict]] = {}
    for key, items in doc.items():
        if key == "__line__":
            continue
        if key not in TOP_KEYS:
            raise RuleError(f"{path}: unknown top-level key {key!r} (expected one of {sorted(TOP_KEYS)})")
        if not isinstance(items, list):
            raise RuleError(f"{path}: {key!r} must be a list of rules")
        seen: set[str] = set()
        for item in items:
            _check_item(path, key, item, seen)
        out[key] = items
    n_aliases = sum(len(i.get("aliases", [])) + len(i.get("symbols", [])) + len(i.get("aliases_ci", []))
                    for k in ("metrics", "datasets") for i in out.get(k, []))
    if n_aliases > MAX_ALIASES_PER_FILE:
        raise RuleError(f"{path}: {n_aliases} aliases in one file (limit {MAX_ALIASES_PER_FILE})")
    for item in out.get("metrics", []) + out.get("datasets", []) + out.get("units", []):
        item["__source__"] = str(path)
    for item in out.get("accept", []) + out.get("exclude", []) + out.get("fragments", []):
        item["__source__"] = str(path)
    return out


def _check_item(path: Path, key: str, item, seen: set[str]) -> None:
    if not isinstance(item, dict):
        raise RuleError(f"{path}: {key}: every rule is a mapping, got {type(item).__name__}")
    line = item.get("__line__", "?")
    rid = item.get("id")
    where = f"{path}:{line}: rule {rid!r}"
    if not rid or not isinstance(rid, str):
        raise RuleError(f"{path}:{line}: {key}: rule without an id")
    if rid in seen:
        raise RuleError(f"{where}: duplicate id in this file")
    seen.add(rid)
    allowed = {"units": UNIT_KEYS, "metrics": METRIC_KEYS, "datasets": DATASET_KEYS,
               "accept": PATTERN_KEYS, "exclude": PATTERN_KEYS, "fragments": FRAGMENT_KEYS}[key] | {"__line__"}
    unknown = set(item) - allowed
    if unknown:
        raise RuleError(f"{where}: unknown key(s) {sorted(unknown)}")
    if key != "fragments" and not item.get("examples"):
        raise RuleError(f"{where}: a rule needs examples (sentences and what they must yield)")
    if key == "fragments" and not isinstance(item.get("regex"), str):
        raise RuleError(f"{where}: a fragment needs a regex")
    if key == "units":
        for s in item.get("surfaces") or []:
            _check_regex(where, "surfaces", s)
    if key in ("accept", "exclude"):
        fams = set(item.get("units", ["any"]))
        if fams - UNIT_FAMILIES:
            raise RuleError(f"{where}: unknown unit families {sorted(fams - UNIT_FAMILIES)}")
        if key == "accept" and item.get("kind") not in ("score", "delta", "ratio"):
            raise RuleError(f"{where}: kind must be score, delta or ratio")
        if not {"left", "right", "sign", "near"} & set(item):
            raise RuleError(f"{where}: a pattern needs left, right, sign or near")
        if "near" in item and item["near"] not in ("metric_before", "metric_after", "dataset_after"):
            raise RuleError(f"{where}: near must be metric_before, metric_after or dataset_after")


def _check_regex(where: str, field_name: str, pattern) -> None:
    if not isinstance(pattern, str):
        raise RuleError(f"{where}: {field_name} must be a string")
    if len(pattern) > MAX_REGEX_LEN:
        raise RuleError(f"{where}: {field_name} is {len(pattern)} characters (limit {MAX_REGEX_LEN})")
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    except regex.error as exc:
        raise RuleError(f"{where}: {field_name} does not compile: {exc}") from None
    anchored = compile_left(pattern) if field_name == "left" else compiled
    for probe in PATHOLOGICAL:
        try:
            anchored.search(probe, timeout=BUDGET_SECONDS)
            compiled.search(probe + "!", timeout=BUDGET_SECONDS)
        except TimeoutError:
            raise RuleError(f"{where}: {field_name} runs past {BUDGET_SECONDS}s on a pathological "
                            f"input ({probe[:6]!r}...): catastrophic backtracking") from None


def _build(merged: dict[str, dict[str, dict]], files: list[Path], digest: str) -> RuleSet:
    units = [Unit(u["id"], u["symbol"], u["family"], u.get("pint"), bool(u.get("prefix")))
             for u in merged["units"].values()]
    unit_table = UnitTable(units, {u["id"]: list(u["surfaces"]) for u in merged["units"].values()})
    metrics = _lexicon(merged["metrics"].values(), "metric", ci_key="aliases", cs_keys=("symbols",))
    datasets = _lexicon(merged["datasets"].values(), "dataset", ci_key="aliases_ci", cs_keys=("aliases",))
    fragments = {f["id"]: f["regex"] for f in merged["fragments"].values()}
    # A user pack's new patterns are tried before the built-ins: they are the more specific.
    def ordered(items):
        items = list(items)
        return [i for i in items if i["__user__"]] + [i for i in items if not i["__user__"]]
    accept = [_pattern(_expand(i, fragments), "accept") for i in ordered(merged["accept"].values())]
    exclude = [_pattern(_expand(i, fragments), "exclude") for i in ordered(merged["exclude"].values())]
    raw = {k: list(v.values()) for k, v in merged.items()}
    return RuleSet(unit_table, metrics, datasets, accept, exclude, digest, files, raw)


def _lexicon(items, kind: str, ci_key: str, cs_keys: tuple[str, ...]) -> Lexicon:
    entries, surfaces = [], []
    for item in items:
        info = {k: v for k, v in item.items() if k not in ("examples", "not_examples", "__line__", "__user__")}
        entry = Entry(item["id"], item.get("name") or item["id"], kind, item["__source__"], info)
        entries.append(entry)
        for alias in item.get(ci_key) or []:
            surfaces.append((str(alias), entry, False))
        for key in cs_keys:
            for alias in item.get(key) or []:
                surfaces.append((str(alias), entry, True))
        # a short canonical name ("AP", "EM") is an acronym: match it as printed
        surfaces.append((entry.name, entry, kind == "dataset" or len(entry.name) <= 4))
    return Lexicon(entries, surfaces)


def _expand(item: dict, fragments: dict[str, str]) -> dict:
    """Replace {{NAME}} with the fragment's regex (one level), then check the result."""
    where = f"{item['__source__']}:{item.get('__line__', '?')}: rule {item['id']!r}"
    out = dict(item)
    for key in ("left", "right", "gap"):
        if key not in item:
            continue
        def sub(m, key=key):
            if m.group(1) not in fragments:
                raise RuleError(f"{where}: {key} uses unknown fragment {{{{{m.group(1)}}}}}")
            return f"(?:{fragments[m.group(1)]})"
        out[key] = _FRAGMENT_REF.sub(sub, str(item[key]))
        _check_regex(where, key, out[key])
    return out


def _pattern(item: dict, action: str) -> PatternRule:
    left = compile_left(item["left"]) if item.get("left") else None
    right = compile_right(item["right"]) if item.get("right") else None
    gap = regex.compile(item["gap"], regex.IGNORECASE) if item.get("gap") else None
    has_group = any(p is not None and "metric" in p.groupindex for p in (left, right))
    return PatternRule(
        id=item["id"], action=action, source=item["__source__"], line=item.get("__line__", 0),
        kind=item.get("kind"), units=frozenset(item.get("units", ["any"])), left=left, right=right,
        sign=item.get("sign"), metric=item.get("metric"), metric_group=has_group,
        role=item.get("role"), confidence=float(item.get("confidence", 0.8)),
        near=item.get("near"), gap=gap,
        why=item.get("why", ""), examples=item.get("examples") or [],
    )
