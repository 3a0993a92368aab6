"""``python -m app report``: the period report (PDF) and CSV export, headless for scheduled use.

    python -m app report --from 2026-01-01 --to 2026-03-31 [--pdf F] [--csv-dir D]
                         [--personal] [--data-dir DIR]

Without ``--pdf`` and ``--csv-dir`` both go to a new folder under ``exports/`` in the data dir.
No personal data unless ``--personal``. The PIN comes from ``WIJKWEB_PIN`` or the terminal.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from app.cli import unlocked_store
from app.i18n import set_language
from app.services import reports
from app.services.overview import Period
from app.store import default_data_dir
from app.sync import exports_log


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from err


def report_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--from", dest="start", type=_day, required=True, help="first day YYYY-MM-DD")
    p.add_argument("--to", dest="end", type=_day, required=True, help="last day YYYY-MM-DD")
    p.add_argument("--pdf", default=None, help="write the PDF report here")
    p.add_argument("--csv-dir", default=None, help="write the CSV files in this folder")
    p.add_argument("--personal", action="store_true", help="include personal data (names)")
    p.add_argument("--data-dir", default=None, help="where the local database lives")


def report_cmd(args: argparse.Namespace) -> int:
    if args.end < args.start:
        print("--to lies before --from", file=sys.stderr)
        return 2
    data_dir = Path(args.data_dir or default_data_dir())
    store = unlocked_store(data_dir)
    try:
        set_language(store.meta("language"))
        period = Period(args.start, args.end)
        if args.pdf is None and args.csv_dir is None:
            pdf_path, files = reports.export(store, period, args.personal)
        else:
            pdf_path, files = None, []
            if args.csv_dir:
                files = reports.csv_files(store, period, Path(args.csv_dir), args.personal)
                exports_log.queue(store, "report_csv", sum(f.rows for f in files if f.records))
            if args.pdf:
                pdf_path = Path(args.pdf)
                pdf_path.parent.mkdir(parents=True, exist_ok=True)
                pdf_path.write_bytes(reports.pdf(store, period, args.personal))
                exports_log.queue(store, "report_pdf", 0)  # figures, not records
    finally:
        store.close()
    if pdf_path:
        print(f"pdf: {pdf_path}")
    for f in files:
        print(f"csv: {f.path} ({f.rows} rows)")
    return 0
