"""Tables written as CSV files, one per table: the exports' common last step."""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from pathlib import Path

Table = tuple[Sequence[str], Sequence[Sequence[object]]]
"""A header and its rows."""


def write(out_dir: Path, tables: Mapping[str, Table]) -> list[tuple[Path, int]]:
    """``<name>.csv`` in ``out_dir`` for every table; each file's path and number of rows."""
    out = []
    for name, (header, rows) in tables.items():
        path = out_dir / f"{name}.csv"
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        out.append((path, len(rows)))
    return out
