"""Is a score plausible for its metric, and what is it on the metric's one scale?

The metric lexicon (rules/metrics.yaml) gives each metric a `scale` (percent,
fraction, raw) and a `range`; `assess` puts every score row of a benchmark on
one scale (0.931 and 93.1% of accuracy are one value) and gives the reason a
row cannot be ranked (an accuracy of 255, with or without a unit; a negative
FID; a latency in GB). Used by extractor/leaderboard.py, which adds the
columns it reads (metric_name, scale, range_low, range_high).
"""
from __future__ import annotations

import pandas as pd

_POINTS = {"%", "pp", "points"}  # units of a number printed in percentage points


def _fmt(x: float) -> str:
    return f"{x:g}"


def _range_text(low, high, suffix="") -> str:
    if high is None or high != high:
        return f">= {_fmt(low)}{suffix}"
    if low is None or low != low:
        return f"<= {_fmt(high)}{suffix}"
    return f"{_fmt(low)}-{_fmt(high)}{suffix}"


def assess(rows: pd.DataFrame, higher: bool | None) -> tuple[pd.Series, pd.Series]:
    """(comparable value, reason) of each score row; the reason is "" when the row
    can be ranked. The comparable value puts every row of a metric on one scale:
    percent-scale metrics as fractions (93.1%, a bare 93.1 and a bare 0.931 are all
    0.931; a bare number under 1 is read as a fraction unless lower is better,
    where "0.9 WER" is far likelier 0.9% than 90%), fraction-scale metrics as
    fractions (a bare 93.1 AUC as 0.931), raw metrics by `value_norm` (one unit
    per family). The lexicon's range, in the scale's units, bounds the value."""
    value = rows["value"].astype(float)
    unit = rows["unit"].fillna("")
    norm = pd.to_numeric(rows["value_norm"], errors="coerce").fillna(value)
    scale = rows["scale"].fillna("")
    low = pd.to_numeric(rows["range_low"], errors="coerce")
    high = pd.to_numeric(rows["range_high"], errors="coerce")
    reasons = pd.Series("", index=rows.index, dtype=object)
    cmp = norm.copy()
    bare, points = unit == "", unit.isin(_POINTS)

    pct = scale == "percent"
    cmp[pct & points] = value / 100
    cmp[pct & bare] = value / 100
    if higher is not False:
        cmp[pct & bare & (value >= 0) & (value < 1)] = value
    frac = scale == "fraction"
    cmp[frac & points] = value / 100
    over = frac & bare & ((high.notna() & (value > high)) | (low.notna() & (value < low)))
    cmp[over & (value / 100 >= low.fillna(-1e300)) & (value / 100 <= high.fillna(1e300))] = value / 100
    scaled = pct | frac
    names = rows["metric_name"].astype(str)
    foreign = scaled & ~bare & ~points  # "86 ms" of an accuracy: not a reading of it at all
    for i in rows.index[foreign]:
        reasons[i] = f"mixed units: {names[i]} is {'a percentage' if pct[i] else 'a fraction'}, not {unit[i]}"
    # percent-scale ranges are written in points: compare fractions with fractions;
    # a raw metric's range is in its printed numbers ("BLEU 0-100"), checked when bare or in points
    lo, hi = low.where(~pct, low / 100), high.where(~pct, high / 100)
    checked = cmp.where(scaled, value)
    within = (lo.isna() | (checked >= lo - 1e-9)) & (hi.isna() | (checked <= hi + 1e-9))
    raw = scale == "raw"
    for i in rows.index[~within & ((scaled & ~foreign) | (raw & (bare | points)))]:
        reasons[i] = (f"{rows.at[i, 'value_text']} is outside the range of {names[i]} "
                      f"({_range_text(low[i], high[i], '%' if pct[i] else '')})")

    # raw metrics and metrics the lexicon does not know: the benchmark's usual unit decides
    other = ~scaled
    if other.any():
        # a raw metric's units compare through pint (ms and s are one family); for a metric
        # the lexicon does not know, % and bare numbers mix and are compared as printed
        # (a raw metric printed with % is its printed number: "BLEU of 28.3%" is 28.3 BLEU)
        family = rows["unit_norm"].fillna("").where(raw & ~points, "").where(raw, unit.replace("", "%"))
        cmp[raw & points] = value
        usual = family[other].mode().iloc[0]
        shown = unit[other & (family == usual)].mode().iloc[0] if usual else ""
        bad = other & (family != usual) & (reasons == "")
        reasons[bad] = "mixed units: the benchmark's values are in " + (shown or "bare numbers")
        cmp[other & ~raw & (unit.isin(["%", ""]))] = value
        outside = other & ~raw & (unit == "%") & ((value > 100) | (value < 0)) & (reasons == "")
        reasons[outside] = "a percentage outside 0-100"
    if higher is False:
        reasons[(reasons == "") & (value < 0) & low.isna()] = "negative value of a lower-is-better metric"
    return cmp, reasons
