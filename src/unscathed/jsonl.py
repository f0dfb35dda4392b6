"""Reading JSONL data files line by line, with errors that name the file and line (no other unscathed imports)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable, Iterator


class DataError(ValueError):
    """Bad input data; the message names the file and line."""


def jsonl_objects(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; raise ``DataError`` naming source:line on bad input."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"{source}:{number}: not valid JSON ({error.msg})") from None
        if not isinstance(row, dict):
            raise DataError(f"{source}:{number}: expected a JSON object, got {type(row).__name__}")
        yield number, row


def read_jsonl(path: str | Path, required: tuple[str, ...] = ()) -> Iterator[tuple[int, dict[str, Any]]]:
    """Yield (line number, object) for each non-blank line; raise ``DataError`` naming file:line on bad input."""
    path = Path(path)
    if not path.exists():
        raise DataError(f"{path}: no such file")
    with path.open(encoding="utf-8") as f:
        for number, row in jsonl_objects(f, str(path)):
            missing = [k for k in required if k not in row]
            if missing:
                raise DataError(f"{path}:{number}: missing field(s) {', '.join(missing)}")
            for key in ("prompt", "completion"):
                if key in required and not isinstance(row[key], str):
                    raise DataError(f"{path}:{number}: field {key!r} must be a string")
            yield number, row
