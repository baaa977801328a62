"""The wire shapes of docs/protocol.md §2 (receipt, co-signature, trust), checked field by field.

A second reading of the spec, independent of the TypeScript zod schemas: each check returns
(field, message) problems; field paths are spelled as the TypeScript verifier spells them.
"""

from __future__ import annotations

import json
import math
import re
from datetime import datetime
from typing import Any, Callable

from .ed25519 import PUBLIC_KEY_PROBLEM_MESSAGES, EncodingError, b64url_decode, public_key_problem
from .jcs import MAX_SAFE_INTEGER, CanonicalJsonError, canonical_bytes, has_lone_surrogate

RECEIPT_TYPE = "heso.receipt.v1"
DECISION_TYPE = "heso.approval.decision.v1"
ID_LENGTH = 128
TEXT_LENGTH = 2000
PARAM_STRING_LENGTH = 8192
PARAM_DEPTH = 16
PARAM_BYTES = 64 * 1024
PARAM_ENTRIES = 1000
QUORUM_MAX = 10
QUORUM_GROUPS = 10
APPROVER_GROUPS = 20
FORBIDDEN_MEMBER_NAMES = ("__proto__", "constructor")

Problems = list[tuple[str, str]]
Check = Callable[[Any], "str | None"]

_ID = re.compile(r"[A-Za-z0-9._:-]+")
_KEY_ID = re.compile(r"[0-9a-f]{32}")
_ACTION_HASH = re.compile(r"sha256:[0-9a-f]{64}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z")


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else f"expected string, received {_kind(value)}"


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return "object" if isinstance(value, dict) else type(value).__name__


def check_id(value: Any) -> str | None:
    if (err := _string(value)) is not None:
        return err
    if not 1 <= len(value) <= ID_LENGTH:
        return f"must be 1–{ID_LENGTH} characters"
    return None if _ID.fullmatch(value) else "may contain only letters, digits, and . _ : -"


def check_key_id(value: Any) -> str | None:
    return _string(value) or (None if _KEY_ID.fullmatch(value) else "must be 32 lowercase hex characters")


def check_action_hash(value: Any) -> str | None:
    return _string(value) or (
        None if _ACTION_HASH.fullmatch(value) else "must be sha256: followed by 64 lowercase hex characters"
    )


def check_timestamp(value: Any) -> str | None:
    if (err := _string(value)) is not None:
        return err
    if len(value) > 40 or not _TIMESTAMP.fullmatch(value):
        return "must be an RFC 3339 UTC time ending in Z"
    try:
        datetime.strptime(value[:19], "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        return "must be a real date and time"
    return None


def check_text(value: Any) -> str | None:
    if (err := _string(value)) is not None:
        return err
    if has_lone_surrogate(value):
        return "contains a lone UTF-16 surrogate (not valid Unicode)"
    return None if len(value) <= TEXT_LENGTH else f"must be at most {TEXT_LENGTH} characters"


def _b64url_bytes(size: int) -> Check:
    length = math.ceil(size * 4 / 3)

    def check(value: Any) -> str | None:
        if (err := _string(value)) is not None:
            return err
        if len(value) != length:
            return f"must be base64url (no padding) of {size} bytes"
        try:
            b64url_decode(value)
        except EncodingError:
            return "must be canonical base64url (the unused trailing bits of the last character must be zero)"
        return None

    return check


check_signature = _b64url_bytes(64)
check_challenge = _b64url_bytes(32)
_check_32 = _b64url_bytes(32)


def check_public_key(value: Any) -> str | None:
    if (err := _check_32(value)) is not None:
        return err
    problem = public_key_problem(b64url_decode(value))
    return None if problem is None else f"public key {PUBLIC_KEY_PROBLEM_MESSAGES[problem]}"


def _enum(*allowed: str) -> Check:
    def check(value: Any) -> str | None:
        return None if value in allowed and isinstance(value, str) else f"expected one of {'|'.join(allowed)}"

    return check


def _literal(expected: str) -> Check:
    return lambda value: None if value == expected else f'expected "{expected}"'


def _nullable(check: Check) -> Check:
    return lambda value: None if value is None else check(value)


def check_bounded_json(value: Any, path: str = "", depth: int = 0) -> str | None:
    """docs/protocol.md §2.1 limits on params; the message names the offending place."""
    at = path or "value"
    if depth > PARAM_DEPTH:
        return f"{at}: nested deeper than {PARAM_DEPTH} levels"
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if isinstance(value, float) and not math.isfinite(value):
            return f"{at}: numbers must be finite"
        if (isinstance(value, int) or value.is_integer()) and abs(value) > MAX_SAFE_INTEGER:
            return f"{at}: integer outside ±(2^53−1) cannot be represented exactly; send it as a string"
        return None
    if isinstance(value, str):
        if len(value) > PARAM_STRING_LENGTH:
            return f"{at}: string longer than {PARAM_STRING_LENGTH} characters (Unicode code points)"
        return f"{at}: contains a lone UTF-16 surrogate (not valid Unicode)" if has_lone_surrogate(value) else None
    if isinstance(value, list):
        if len(value) > PARAM_ENTRIES:
            return f"{at}: more than {PARAM_ENTRIES} items"
        for i, item in enumerate(value):
            if err := check_bounded_json(item, f"{path}[{i}]", depth + 1):
                return err
        return None
    if isinstance(value, dict):
        return _check_bounded_object(value, path, depth)
    return f"{at}: {type(value).__name__} is not a JSON value"


def _check_bounded_object(value: dict[str, Any], path: str, depth: int) -> str | None:
    at = path or "value"
    if len(value) > PARAM_ENTRIES:
        return f"{at}: more than {PARAM_ENTRIES} keys"
    for key, item in value.items():
        key_path = f"{path}.{key}" if path else key
        if len(key) > ID_LENGTH * 2:
            return f"{at}: member name longer than {ID_LENGTH * 2} characters (Unicode code points)"
        if has_lone_surrogate(key):
            return f"{at}: member name contains a lone UTF-16 surrogate"
        if key in FORBIDDEN_MEMBER_NAMES:
            return f'{key_path}: the member name "{key}" is refused (prototype pollution risk in JavaScript); rename it'
        if err := check_bounded_json(item, key_path, depth + 1):
            return err
    return None


def check_params(value: Any) -> str | None:
    if not isinstance(value, dict):
        return "must be a JSON object"
    if err := check_bounded_json(value):
        return err
    try:
        size = len(canonical_bytes(value))
    except CanonicalJsonError as exc:
        return str(exc)
    return None if size <= PARAM_BYTES else f"canonical form larger than {PARAM_BYTES} bytes of UTF-8"


Shape = dict[str, tuple[Check, bool]]  # field → (check, required)


def member_path(at: str, name: str) -> str:
    """`at.name`, or `at["name"]` when the name is not an identifier: the TypeScript field spelling."""
    return f"{at}.{name}" if re.fullmatch(r"[A-Za-z_$][A-Za-z0-9_$]*", name) else f"{at}[{json.dumps(name, ensure_ascii=False)}]"


def _obj(shape: Shape) -> Callable[[Any, str, Problems], None]:
    def check(value: Any, at: str, out: Problems) -> None:
        if not isinstance(value, dict):
            out.append((at, f"expected object, received {_kind(value)}"))
            return
        for name, (field_check, required) in shape.items():
            if name not in value:
                if required:
                    out.append((f"{at}.{name}", "expected a value, received undefined"))
                continue
            nested = getattr(field_check, "nested", None)
            if nested is not None:
                nested(value[name], f"{at}.{name}", out)
            elif (err := field_check(value[name])) is not None:
                out.append((f"{at}.{name}", err))
        for name in value:
            if name not in shape:
                out.append((member_path(at, name), UNKNOWN_FIELD))

    return check


def _nested(check: Callable[[Any, str, Problems], None]) -> Check:
    def marker(value: Any) -> str | None:  # pragma: no cover - replaced by `nested`
        return None

    marker.nested = check  # type: ignore[attr-defined]
    return marker


def check_quorum(value: Any, at: str, out: Problems) -> None:
    """The signed quorum (docs/protocol.md §2.2): a closed object of bounded numbers that can be met
    and is in its one signed form. As zod does, whether it can be met is still checked when the
    only problems are out-of-range numbers or unknown fields, not when a value has the wrong type."""
    mark = len(out)
    _obj({"required": (_int_between(1, QUORUM_MAX), True), "groups": (_nested(_check_groups), False), "veto": (_is_false, False)})(value, at, out)
    if all(message.startswith(_CONTINUING) for _, message in out[mark:]) and (problem := _quorum_problem(value)):
        out.append((f"{at}.{problem[0]}" if problem[0] else at, problem[1]))


def _check_groups(value: Any, at: str, out: Problems) -> None:
    if not isinstance(value, dict):
        out.append((at, f"expected record, received {_kind(value)}"))
        return
    for name, need in value.items():
        if name == "__proto__":
            continue  # a zod record drops it; the quorum then names one group fewer
        if check_id(name) is not None:
            out.append((member_path(at, name), "Invalid key in record"))
        elif (err := _int_between(1, QUORUM_MAX)(need)) is not None:
            out.append((member_path(at, name), err))


def _quorum_problem(quorum: dict[str, Any]) -> tuple[str, str] | None:
    """Why a quorum cannot be met or is not in its one signed form, and where; None when fine."""
    groups = {k: v for k, v in quorum.get("groups", {}).items() if k != "__proto__"}
    if "groups" in quorum and not groups:
        return "groups", "name at least one group, or leave groups out"
    if len(groups) > QUORUM_GROUPS:
        return "groups", f"at most {QUORUM_GROUPS} groups"
    total = sum(groups.values())
    if total > quorum["required"]:
        return "required", f"the group minimums add up to {total}, more than the {quorum['required']} approvals required; raise required to at least {total}"
    if quorum["required"] == 1 and not groups and quorum.get("veto") is not False:
        return "", "one approval with veto is the default: leave the quorum out"
    return None


_TOO_SMALL, _TOO_BIG, UNKNOWN_FIELD = "Too small", "Too big", "unknown field (not allowed here)"
_CONTINUING = (_TOO_SMALL, _TOO_BIG, UNKNOWN_FIELD)


def _int_between(low: int, high: int) -> Check:
    def check(value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"expected number, received {_kind(value)}"
        if isinstance(value, float) and not value.is_integer():
            return "expected int, received number"
        if value < low:
            return f"{_TOO_SMALL}: expected number to be >={low}"
        return f"{_TOO_BIG}: expected number to be <={high}" if value > high else None

    return check


def _is_false(value: Any) -> str | None:
    return None if value is False else "expected false"


check_action = _obj(
    {
        "tool": (check_id, True),
        "params": (check_params, True),
        "account": (check_id, True),
        "workflow": (check_id, True),
        "capturedAt": (check_timestamp, True),
        "summary": (check_text, False),
    }
)
_check_verdict = _enum("allow", "block", "suspend")
check_receipt_statement = _obj(
    {
        "type": (_literal(RECEIPT_TYPE), True),
        "receiptId": (check_id, True),
        "teamId": (check_id, True),
        "action": (_nested(check_action), True),
        "actionHash": (check_action_hash, True),
        "verdict": (_check_verdict, True),
        "policy": (_nested(_obj({"version": (check_id, True), "ruleId": (_nullable(check_id), True)})), True),
        "operatorKeyId": (check_key_id, True),
        "operatorPublicKey": (check_public_key, True),
        "issuedAt": (check_timestamp, True),
        "confirm": (_enum("typed-code"), False),
        "quorum": (_nested(check_quorum), False),
    }
)
check_decision_statement = _obj(
    {
        "type": (_literal(DECISION_TYPE), True),
        "teamId": (check_id, True),
        "approvalId": (check_id, True),
        "receiptId": (check_id, True),
        "actionHash": (check_action_hash, True),
        "operatorKeyId": (check_key_id, True),
        "policyVersion": (check_id, True),
        "ruleId": (_nullable(check_id), True),
        "decision": (_enum("approve", "deny"), True),
        "reason": (check_text, False),
        "challenge": (check_challenge, True),
        "decidedAt": (check_timestamp, True),
        "expiresAt": (check_timestamp, True),
        "approverKeyId": (check_key_id, True),
    }
)
check_cosignature = _obj(
    {
        "statement": (_nested(check_decision_statement), True),
        "signature": (check_signature, True),
        "approverPublicKey": (check_public_key, True),
    }
)
check_operator_receipt = _obj(
    {"statement": (_nested(check_receipt_statement), True), "signature": (check_signature, True)}
)


def _list_of(check: Check, most: int, least: int = 0, too_many: str | None = None) -> Callable[[Any, str, Problems], None]:
    def check_list(value: Any, at: str, out: Problems) -> None:
        if not isinstance(value, list):
            out.append((at, f"expected array, received {_kind(value)}"))
            return
        if len(value) > most:
            out.append((at, too_many or f"Too big: expected array to have <={most} items"))
        if len(value) < least:
            out.append((at, f"Too small: expected array to have >={least} items"))
        nested = getattr(check, "nested", None)
        for i, item in enumerate(value):
            if nested is not None:
                nested(item, f"{at}[{i}]", out)
            elif (err := check(item)) is not None:
                out.append((f"{at}[{i}]", err))

    return check_list


_key_list = _list_of(check_public_key, 1000, too_many="must hold at most 1000 keys")
_check_groups_of_person = _nested(_list_of(check_id, APPROVER_GROUPS))
_check_requester_keys = _nested(_list_of(check_public_key, 100))
# Who is who, for quorums (docs/protocol.md §3 "Quorum"): labels only; trust is `approverKeys`.
check_trusted_approver = _obj(
    {
        "id": (check_id, True),
        "keys": (_nested(_list_of(check_public_key, 100, least=1)), True),
        "groups": (_check_groups_of_person, False),
        "requesterKeys": (_check_requester_keys, False),
    }
)
check_trust = _obj(
    {
        "approverKeys": (_nested(_key_list), True),
        "operatorKeys": (_nested(_key_list), False),
        "approvers": (_nested(_list_of(_nested(check_trusted_approver), 1000)), False),
    }
)
# One pin of `heso trust add` (src/core/trust-file.ts): keyId, fingerprint, name and addedAt are display data.
check_pinned_approver = _obj(
    {
        "publicKey": (check_public_key, True),
        "keyId": (_string, True),
        "fingerprint": (_string, True),
        "name": (lambda v: _string(v) or (None if len(v) <= 200 else "must be at most 200 characters"), True),
        "addedAt": (_string, True),
        "person": (check_id, False),
        "groups": (_check_groups_of_person, False),
        "requesterKeys": (_check_requester_keys, False),
    }
)

TRUST_FILE_TYPE = "heso.trusted-approvers.v1"
# `.heso/trusted-approvers.json`, as `heso trust add` writes it.
check_trust_file = _obj(
    {"type": (_literal(TRUST_FILE_TYPE), True), "approvers": (_nested(_list_of(_nested(check_pinned_approver), math.inf)), True)}
)


def problems(check: Callable[[Any, str, Problems], None], value: Any, at: str) -> Problems:
    out: Problems = []
    check(value, at, out)
    return out

