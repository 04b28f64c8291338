"""One declarative validator for every op payload on the wire (session and board ops
alike): a schema is `{field: F(...)}`; `check_fields` returns the clean values and one
problem per bad field, unknown fields included, so a typo never passes silently.

Text is stripped, length-checked and refused when it holds control characters (C0 other
than tab and newline, DEL, lone surrogates): PostgreSQL refuses NUL and surrogates, and
the others only ever arrive by accident or malice.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from django.core.validators import RegexValidator

from .errors import DomainError

COLOUR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# C0 controls other than tab and newline, DEL, NUL and lone surrogates (valid in JSON
# escapes, not encodable in UTF-8): PostgreSQL refuses NUL and surrogates, and the others
# only ever arrive by accident or malice.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff]")
#: The same rule for what people type into the pages' forms (Django's "Enter a valid
#: value."), but carriage returns pass: browsers send a textarea's line breaks as CR LF.
FORM_TEXT = RegexValidator(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]", inverse_match=True)
MAX_COORD = 1_000_000.0
MAX_IDS = 200


@dataclass(frozen=True)
class F:
    """One field: kind is str | text | int | float | bool | colour | ids | moves | choice
    (moves: 1 to MAX_IDS [id, x, y] triples, each id once)."""

    kind: str
    required: bool = True
    max_len: int = 0
    min_len: int = 1
    choices: tuple[str, ...] = ()
    nullable: bool = False
    lo: int = 0  # int: smallest allowed
    hi: int = 2**53  # int: largest allowed


def text(max_len: int, *, required: bool = True, min_len: int = 1) -> F:
    return F("text", required=required, max_len=max_len, min_len=min_len)

Schema = dict[str, F]


def _check(spec: F, value: Any) -> tuple[Any, str | None]:
    if value is None:
        return (None, None) if spec.nullable else (None, "must not be null")
    kind = spec.kind
    if kind == "text":
        if not isinstance(value, str):
            return None, "must be a string"
        value = value.strip()
        if len(value) < spec.min_len:
            return None, "must not be empty"
        if len(value) > spec.max_len:
            return None, f"at most {spec.max_len} characters"
        if CONTROL_RE.search(value):
            return None, "control characters are not allowed"
        return value, None
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int) or not spec.lo <= value <= spec.hi:
            return None, f"between {spec.lo} and {spec.hi}" if spec.hi < 2**53 else "must be a non-negative integer"
        return value, None
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None, "must be a number"
        if not math.isfinite(value) or abs(value) > MAX_COORD:
            return None, f"must be a finite number within +-{MAX_COORD:.0f}"
        return float(value), None
    if kind == "bool":
        return (value, None) if isinstance(value, bool) else (None, "must be true or false")
    if kind == "colour":
        if not isinstance(value, str) or not COLOUR_RE.match(value):
            return None, "must be a colour like #ffcc00"
        return value.lower(), None
    if kind == "choice":
        if value not in spec.choices:
            return None, "must be one of " + ", ".join(spec.choices)
        return value, None
    if kind == "ids":
        if not isinstance(value, list) or not value or len(value) > MAX_IDS:
            return None, f"must be a list of 1 to {MAX_IDS} ids"
        if any(isinstance(v, bool) or not isinstance(v, int) or not 0 <= v <= 2**53 for v in value):
            return None, "must contain only non-negative integers"
        return list(dict.fromkeys(value)), None
    if kind == "moves":
        if not isinstance(value, list) or not value or len(value) > MAX_IDS:
            return None, f"must be a list of 1 to {MAX_IDS} [id, x, y] moves"
        out: dict[int, tuple[int, float, float]] = {}
        for move in value:
            if not isinstance(move, list) or len(move) != 3:
                return None, "each move is [id, x, y]"
            pk, x, y = move
            if isinstance(pk, bool) or not isinstance(pk, int) or not 0 <= pk <= 2**53:
                return None, "each move's id is a non-negative integer"
            for coord in (x, y):
                if isinstance(coord, bool) or not isinstance(coord, int | float) or not math.isfinite(coord) \
                        or abs(coord) > MAX_COORD:
                    return None, f"each move's x and y are finite numbers within +-{MAX_COORD:.0f}"
            if pk in out:
                return None, "each note moves once"
            out[pk] = (pk, float(x), float(y))
        return [list(m) for m in out.values()], None
    raise AssertionError(kind)  # pragma: no cover


def check_fields(schema: Schema, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """(clean values of the declared keys present, {field: problem})."""
    errors: dict[str, str] = {}
    clean: dict[str, Any] = {}
    for key in data:
        if key not in schema:
            # Echo the key safely: a lone surrogate would make the error frame unsendable.
            errors[str(key)[:40].encode("utf-8", "backslashreplace").decode()] = "unknown field"
    for key, spec in schema.items():
        if key not in data:
            if spec.required:
                errors[key] = "required"
            continue
        value, problem = _check(spec, data[key])
        if problem:
            errors[key] = problem
        else:
            clean[key] = value
    return clean, errors


def validate(schema: Schema, data: dict[str, Any]) -> dict[str, Any]:
    """The clean payload, or DomainError("invalid") naming each bad field."""
    clean, errors = check_fields(schema, data)
    if errors:
        raise DomainError("invalid", "the op's data is not valid", fields=errors)
    return clean
