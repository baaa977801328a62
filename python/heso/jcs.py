"""RFC 8785 canonical JSON (JCS) with HESO's refusals (docs/protocol.md §1.1).

An independent implementation of the TypeScript `canonicalize`: member names sorted by
UTF-16 code units, strings escaped as ECMAScript JSON.stringify does, numbers printed by the
ECMAScript Number::toString algorithm. Values two implementations could disagree on are
refused with the path of the offending value.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

MAX_SAFE_INTEGER = 2**53 - 1
MAX_CANONICAL_DEPTH = 256


class CanonicalJsonError(ValueError):
    """A value HESO refuses to canonicalise; `path` names where it is (`$.params.amount`)."""

    def __init__(self, path: str, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


def has_lone_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(ch) <= 0xDFFF for ch in text)


def js_number(value: float | int, path: str = "$") -> str:
    """ECMAScript Number.prototype.toString for a finite double (the JCS number rule)."""
    if isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalJsonError(path, f"integer {value} is outside ±(2^53−1); send it as a string")
        return str(value)
    if not math.isfinite(value):
        raise CanonicalJsonError(path, f"{value} is not representable in JSON")
    if value == 0:
        return "0"
    if value.is_integer() and abs(value) > MAX_SAFE_INTEGER:
        raise CanonicalJsonError(path, f"integer {value!r} is outside ±(2^53−1); send it as a string")
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, which is what ECMAScript requires too.
    digits_tuple = Decimal(repr(abs(value))).normalize().as_tuple()
    digits = "".join(str(d) for d in digits_tuple.digits)
    k = len(digits)
    n = int(digits_tuple.exponent) + k  # value = 0.digits × 10^n
    if k <= n <= 21:
        out = digits + "0" * (n - k)
    elif 0 < n <= 21:
        out = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        out = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        out = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + out


def _child(path: str, key: str) -> str:
    import re

    if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", key):
        return f"{path}.{key}"
    return f"{path}[{json.dumps(key, ensure_ascii=False)}]"


def _string(text: str, path: str) -> str:
    if has_lone_surrogate(text):
        raise CanonicalJsonError(path, "string contains a lone surrogate (not Unicode)")
    return json.dumps(text, ensure_ascii=False)


def _utf16_order(key: str) -> bytes:
    return key.encode("utf-16-be")


def _serialize(value: Any, path: str, depth: int) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return js_number(value, path)
    if isinstance(value, str):
        return _string(value, path)
    if not isinstance(value, (list, dict)):
        raise CanonicalJsonError(path, f"{type(value).__name__} is not a JSON value")
    if depth >= MAX_CANONICAL_DEPTH:
        raise CanonicalJsonError(path, f"nested deeper than {MAX_CANONICAL_DEPTH} levels")
    if isinstance(value, list):
        return "[" + ",".join(_serialize(v, f"{path}[{i}]", depth + 1) for i, v in enumerate(value)) + "]"
    parts = []
    for key in sorted(value.keys(), key=_utf16_order):
        if not isinstance(key, str):
            raise CanonicalJsonError(path, "object keys must be strings")
        key_path = _child(path, key)
        if has_lone_surrogate(key):
            raise CanonicalJsonError(key_path, "key contains a lone surrogate")
        parts.append(f"{json.dumps(key, ensure_ascii=False)}:{_serialize(value[key], key_path, depth + 1)}")
    return "{" + ",".join(parts) + "}"


def canonicalize(value: Any) -> str:
    """The RFC 8785 canonical JSON text of `value`; raises CanonicalJsonError naming the bad value."""
    return _serialize(value, "$", 0)


def canonical_bytes(value: Any) -> bytes:
    """UTF-8 of canonicalize(value): what is hashed and signed."""
    return canonicalize(value).encode("utf-8")


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json_text(text: str) -> Any:
    """json.loads as JavaScript's JSON.parse reads it: no NaN/Infinity, numbers as doubles when not integers."""
    return json.loads(text, parse_constant=_refuse_constant, parse_int=_parse_int, parse_float=_parse_float)


def _parse_int(text: str) -> int | float:
    number = int(text)
    # JSON.parse reads every number as a double; an integer beyond 2^53 is a different number there.
    return number if abs(number) <= MAX_SAFE_INTEGER else float(text)


def _parse_float(text: str) -> float | int:
    number = float(text)
    return number
