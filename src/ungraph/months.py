"""English month names and their abbreviations as UN pages and texts write them.

One table for every stage that reads dates (page datelines in ``sources``, text dates in
``parse``), so "Sept." means September everywhere.

>>> MONTHS["sept"], MONTHS["may"], MONTHS["december"]
(9, 5, 12)
"""

from __future__ import annotations

MONTHS: dict[str, int] = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sept", "sep"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
