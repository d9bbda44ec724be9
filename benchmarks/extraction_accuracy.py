"""Score `assistant extract` predictions against the gold tickets of a call file.

    python benchmarks/extraction_accuracy.py PREDS.jsonl [--gold CALLS.jsonl] [--json OUT.json]
    python benchmarks/extraction_accuracy.py --run [--gold CALLS.jsonl]      # runs text mode first

Exact match after light normalisation per field (case, width, script, punctuation ignored), character F1 for
address, demand and title; per field and overall, printed as a markdown table and written as JSON.
The gold defaults to the dev calls in the shared data folder (settings.data_dir / calls/dev/calls.jsonl).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from assistant.config import get_settings
from assistant.extraction.calls import read_calls
from assistant.extraction.evaluation import markdown_table, score


def read_predictions(path: Path) -> dict[str, dict]:
    preds = {}
    with path.open(encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                preds[rec["id"]] = rec["ticket"]
            except (json.JSONDecodeError, KeyError, TypeError) as e:
                raise SystemExit(f"{path}:{lineno}: not a prediction line ({e})") from None
    return preds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("preds", nargs="?", type=Path, help="predictions JSONL from `assistant extract`")
    ap.add_argument("--gold", type=Path, help="calls JSONL with gold tickets (default: the shared dev calls)")
    ap.add_argument("--run", action="store_true", help="produce the predictions first (text mode)")
    ap.add_argument("--json", type=Path, help="write the full result (with per-call scores) here")
    args = ap.parse_args(argv)
    gold_path = args.gold
    if gold_path is None:
        data_dir = get_settings().data_dir
        if data_dir is None:
            raise SystemExit("no shared data folder: pass --gold or set ASSISTANT_DATA_DIR")
        gold_path = data_dir / "calls" / "dev" / "calls.jsonl"
    calls = read_calls(gold_path)
    golds = {c.id: c.gold for c in calls if c.gold is not None}
    if args.run:
        from assistant.extraction.calls import run_text

        preds = {c.id: run_text(c).flat() for c in calls}
        if args.preds:
            with args.preds.open("w", encoding="utf-8") as f:
                for cid, ticket in preds.items():
                    f.write(json.dumps({"id": cid, "ticket": ticket}, ensure_ascii=False) + "\n")
    elif args.preds:
        preds = read_predictions(args.preds)
    else:
        ap.error("give PREDS.jsonl or --run")
    result = score(preds, golds)
    print(markdown_table(result))
    if result["missing_predictions"]:
        print(f"\nno prediction for {len(result['missing_predictions'])} calls", file=sys.stderr)
    out = args.json or Path(tempfile.gettempdir()) / "extraction_accuracy.json"
    out.write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"\nJSON: {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
