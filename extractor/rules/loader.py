"""Load the built-in rule files plus user rule packs into one `RuleSet`.

A rule pack is untrusted data. Before anything is built from it:
- its files are read by `files.py`: sizes capped (a file 2 MB; a pack 20 MB,
  1,000 files, 50,000 aliases over all its files; nesting depth and values per
  file), YAML anchors and aliases refused at the event level, before anything
  is expanded, then loaded with the safe loader (data only: no tags, no code);
- every entry is validated by the schema (`schema.py`: types, ranges, enums, id
  characters, lengths), and ids that differ from another only by case or
  Unicode form are refused;
- every regex must compile, pass the static backtracking check and finish the
  timing probes (`safe_regex.py`).
A user pack's entry with the id of a built-in one replaces it (that is how
aliases are overridden); within one file an id may appear once. Anything wrong
raises `RuleError`, one line: "FILE:LINE: rule 'ID': key: problem".
"""
from __future__ import annotations

import hashlib
import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import regex

from extractor.rules.files import (MAX_PACK_ALIASES, RuleError, clip, pack_files, parse, read_rule_file, scan,  # noqa: F401 (RuleError: this module's API)
                                   shown)
from extractor.rules.lexicon import Entry, Lexicon
from extractor.rules.vocabulary import Vocabulary
from extractor.rules.vocabulary import build as build_vocabulary
from extractor.rules.patterns import PatternRule, compile_left, compile_right
from extractor.rules.safe_regex import (BUDGET_SECONDS, MAX_REGEX_LEN, PROBE_SECONDS_PER_LOAD, Prober, UnsafeRegex,
                                        static_check)
from extractor.rules.schema import KINDS, ValidationError
from extractor.rules.units import Unit, UnitTable

BUILTIN_DIR = Path(__file__).parent
BUILTIN_FILES = ("units.yaml", "metrics.yaml", "datasets.yaml", "patterns.yaml", "attach.yaml", "settings.yaml", "benchmarks.yaml")
ENV_VAR = "LBX_RULES"
_FRAGMENT_REF = regex.compile(r"\{\{(\w+)\}\}")


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
    vocab: Vocabulary = field(default_factory=Vocabulary)  # the attach step's word lists (attach.yaml)
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
    builtin = [BUILTIN_DIR / name for name in BUILTIN_FILES]
    user = pack_files(extra_dirs)
    texts, pack_aliases = {}, 0
    for path in builtin + user:  # every file read and scanned before any is built: the caps cost little
        texts[path] = read_rule_file(path)
        n_aliases = scan(path, texts[path])
        if path in user:
            pack_aliases += n_aliases
            if pack_aliases > MAX_PACK_ALIASES:
                raise RuleError(f"{shown(path)}: the rule packs hold over {MAX_PACK_ALIASES} aliases in all "
                                f"(limit {MAX_PACK_ALIASES}, counted over every file loaded)")
    merged: dict[str, dict[str, dict]] = {k: {} for k in KINDS}
    folded: dict[str, dict[str, dict]] = {k: {} for k in KINDS}
    digest, prober = hashlib.sha256(), Prober()  # one time budget for all regex probes of this load
    for path, text in texts.items():
        digest.update(path.name.encode() + b"\0" + text.encode() + b"\0")
        for key, items in _validate(path, parse(path, text), prober).items():
            for item in items:
                item["__user__"] = path in user
                _check_lookalike(folded[key], item)
                merged[key][item["id"]] = item  # later files override earlier ids
    return _build(merged, builtin + user, digest.hexdigest()[:16], prober)


def _validate(path: Path, doc: dict, prober: Prober) -> dict[str, list[dict]]:
    """Each entry through its kind's schema; back as plain dicts (only the keys
    written) with "__line__", "__lines__" and "__source__" kept for tools."""
    out: dict[str, list[dict]] = {}
    for key, items in doc.items():
        model, seen, valid = KINDS[key], set(), []
        for n, item in enumerate(items, 1):
            if not isinstance(item, dict):
                raise RuleError(f"{shown(path)}:{doc['__lines__'].get(key, 1)}: {key} #{n}: every rule is a "
                                f"mapping, got {_kind_of(item)}")
            rid = item.get("id")
            where = f"{shown(path)}:{item['__line__']}: " + (f"rule '{clip(rid, 80)}'" if isinstance(rid, str)
                                                             else f"{key} #{n}")
            try:
                entry = model.model_validate(_plain(item)).model_dump(exclude_unset=True)
            except ValidationError as exc:
                raise RuleError(_describe(model, item, where, exc)) from None
            if entry["id"] in seen:
                raise RuleError(f"{where}: duplicate id in this file")
            seen.add(entry["id"])
            entry.update(__line__=item["__line__"], __lines__=item["__lines__"], __source__=str(path))
            if key == "units":
                for s in entry["surfaces"]:
                    _check_regex(f"{shown(path)}:{item['__lines__'].get('surfaces', item['__line__'])}: "
                                 f"rule {entry['id']!r}", "surfaces", s, prober)
            if key == "settings":  # a setting cue is a regex like any other: same checks at load
                _check_regex(f"{shown(path)}:{item['__lines__'].get('pattern', item['__line__'])}: "
                             f"rule {entry['id']!r}", "pattern", entry["pattern"], prober)
            valid.append(entry)
        out[key] = valid
    return out


def _plain(value):
    """The YAML value without the loader's line bookkeeping."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if k not in ("__line__", "__lines__")}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _kind_of(value) -> str:
    return {dict: "a mapping", list: "a list", str: "a string", bool: "true/false",
            type(None): "null"}.get(type(value), type(value).__name__)


def _describe(model, item: dict, where: str, exc: ValidationError) -> str:
    """The first schema error as one line, at the line of the offending key."""
    err = exc.errors()[0]
    loc, line, cur = err["loc"], item["__line__"], item
    for part in loc:
        if isinstance(cur, dict) and part in cur:
            line, cur = cur.get("__lines__", {}).get(part, line), cur[part]
        elif isinstance(cur, list) and isinstance(part, int) and part < len(cur):
            cur = cur[part]
            line = cur.get("__line__", line) if isinstance(cur, dict) else line
        else:
            break
    dotted = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".")
    msg = err["msg"].removeprefix("Value error, ")
    if err["type"] == "extra_forbidden":
        msg = "unknown key" + (f" (allowed: {', '.join(model.model_fields)})" if len(loc) == 1 else "")
    elif err["type"] == "missing" and loc == ("examples",):
        msg = "a rule needs examples (sentences and what they must yield)"
    elif err["type"] == "missing":
        msg = "required key missing"
    elif err["type"] not in ("value_error",) and not isinstance(err.get("input"), (dict, list)):
        msg += f" (got {clip(repr(err.get('input')), 60)})"
    elif isinstance(err.get("input"), (dict, list)) and err["type"].endswith("_type"):
        msg += f" (got {_kind_of(err['input'])})"
    where = where.replace(f":{item['__line__']}: ", f":{line}: ", 1)
    return f"{where}: {dotted}: {msg}" if dotted else f"{where}: {msg}"


def _check_lookalike(seen: dict[str, dict], item: dict) -> None:
    """Refuse an id that equals another only after Unicode normalization or case
    folding: two rules a reader cannot tell apart."""
    key = unicodedata.normalize("NFKC", item["id"]).casefold()
    other = seen.get(key)
    if other is not None and other["id"] != item["id"]:
        raise RuleError(f"{shown(item['__source__'])}:{item['__line__']}: rule {item['id']!r}: id differs from "
                        f"{other['id']!r} ({shown(other['__source__'])}:{other['__line__']}) only by case or "
                        "Unicode form")
    seen[key] = item


def _check_regex(where: str, field_name: str, pattern: str, prober: Prober) -> None:
    if len(pattern) > MAX_REGEX_LEN:
        raise RuleError(f"{where}: {field_name}: {len(pattern)} characters (limit {MAX_REGEX_LEN})")
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
        anchored = compile_left(pattern) if field_name == "left" else compiled
    except regex.error as exc:
        raise RuleError(f"{where}: {field_name}: does not compile: {exc}") from None
    try:
        extra = static_check(pattern)
    except UnsafeRegex as exc:
        raise RuleError(f"{where}: {field_name}: may backtrack catastrophically: {exc}") from None
    slow = prober.probe(anchored, compiled, extra)
    if slow is not None:
        raise RuleError(f"{where}: {field_name}: runs past {BUDGET_SECONDS}s on a pathological "
                        f"input ({slow[:6]!r}...): catastrophic backtracking")
    if prober.spent > PROBE_SECONDS_PER_LOAD:
        raise RuleError(f"{where}: {field_name}: the rules' regexes took over {PROBE_SECONDS_PER_LOAD:.0f}s "
                        "to check in all: too many slow patterns")


def _build(merged: dict[str, dict[str, dict]], files: list[Path], digest: str, prober: Prober) -> RuleSet:
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
    accept = [_pattern(_expand(i, fragments, prober), "accept") for i in ordered(merged["accept"].values())]
    exclude = [_pattern(_expand(i, fragments, prober), "exclude") for i in ordered(merged["exclude"].values())]
    raw = {k: list(v.values()) for k, v in merged.items()}
    return RuleSet(unit_table, metrics, datasets, accept, exclude, digest, files, raw,
                   vocab=build_vocabulary(merged.get("words", {}).values()))


def _lexicon(items, kind: str, ci_key: str, cs_keys: tuple[str, ...]) -> Lexicon:
    entries, surfaces = [], []
    for item in items:
        info = {k: v for k, v in item.items()
                if k not in ("examples", "not_examples", "__line__", "__lines__", "__user__")}
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


def _expand(item: dict, fragments: dict[str, str], prober: Prober) -> dict:
    """Replace {{NAME}} with the fragment's regex (one level), then check the result."""
    out = dict(item)
    for key in ("left", "right", "gap"):
        if key not in item:
            continue
        line = item.get("__lines__", {}).get(key, item.get("__line__", "?"))
        where = f"{shown(item['__source__'])}:{line}: rule {item['id']!r}"

        def sub(m, key=key, where=where):
            if m.group(1) not in fragments:
                raise RuleError(f"{where}: {key}: uses unknown fragment {{{{{clip(m.group(1))}}}}}")
            return f"(?:{fragments[m.group(1)]})"
        out[key] = _FRAGMENT_REF.sub(sub, str(item[key]))
        _check_regex(where, key, out[key], prober)
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
