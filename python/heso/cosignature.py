"""Checking one approver co-signature (docs/protocol.md §4, step 6), as src/core/cosignature.ts does:
shape, key id, signature, bindings to the receipt and the approval, timing. Whether the approver
key is trusted is the caller's check. Shared by single-approver and quorum verification.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from .ed25519 import EncodingError, b64url_decode, key_id_of, verify_ed25519
from .jcs import canonical_bytes
from .schema import DECISION_TYPE, check_cosignature, problems


@dataclass
class Run:
    """The reasons one verification collects, in the TypeScript verifier's order and spelling."""

    reasons: list[dict[str, str]] = field(default_factory=list)

    def add(self, code: str, message: str, at: Optional[str] = None) -> None:
        self.reasons.append({"code": code, "message": message} if at is None else {"code": code, "message": message, "field": at})


_TS = re.compile(r"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?Z")


def compare_timestamps(a: str, b: str) -> Optional[int]:
    """Exact comparison of two RFC 3339 UTC times (all nine fractional digits); None if either is not one."""
    ma, mb = _TS.fullmatch(a), _TS.fullmatch(b)
    if not ma or not mb:
        return None
    ka = (ma.group(1), (ma.group(2) or "").ljust(9, "0"))
    kb = (mb.group(1), (mb.group(2) or "").ljust(9, "0"))
    return 0 if ka == kb else (-1 if ka < kb else 1)


def _after(a: str, b: str) -> bool:
    """a is later than b, or either is unreadable (fail closed)."""
    order = compare_timestamps(a, b)
    return order is None or order > 0


def signature_valid(sig_b64: str, statement: Any, public_key: bytes) -> bool:
    try:
        return verify_ed25519(b64url_decode(sig_b64), canonical_bytes(statement), public_key)
    except (EncodingError, ValueError):
        return False


def type_text(statement: dict[str, Any]) -> str:
    return json.dumps(statement["type"], ensure_ascii=False) if "type" in statement else "none"


def check_decision(raw: Any, st: dict[str, Any], expect: dict[str, str], now: Optional[str], run: Run, at: str) -> tuple[Optional[dict[str, Any]], Optional[str]]:
    """The co-signature and its approver key id when well-formed (whatever else failed), else (None, None).

    `expect` holds the approvalId, challenge and expiresAt the decision must carry, where known."""
    if isinstance(raw, dict) and isinstance(raw.get("statement"), dict) and raw["statement"].get("type") != DECISION_TYPE:
        run.add("wrong_statement_type", f'expected a "{DECISION_TYPE}" statement, got {type_text(raw["statement"])}', f"{at}.statement.type")
        return None, None
    shape = problems(check_cosignature, raw, at)
    if shape:
        for where, message in shape:
            run.add("malformed", f"{where}: {message}", where)
        return None, None
    ds = raw["statement"]
    public_key = b64url_decode(raw["approverPublicKey"])
    approver_key_id = key_id_of(public_key)
    if approver_key_id != ds["approverKeyId"]:
        run.add("approver_key_mismatch", f"statement names approver key {ds['approverKeyId']} but the attached public key is {approver_key_id}", f"{at}.statement.approverKeyId")
    if not signature_valid(raw["signature"], ds, public_key):
        run.add("bad_cosignature", "the approver signature does not verify over the decision statement", f"{at}.signature")
    bindings = [
        ("teamId", st["teamId"]),
        ("receiptId", st["receiptId"]),
        ("actionHash", st["actionHash"]),
        ("operatorKeyId", st["operatorKeyId"]),
        ("policyVersion", st["policy"]["version"]),
        ("ruleId", st["policy"]["ruleId"]),
    ]
    if "expiresAt" in expect:
        bindings.append(("expiresAt", expect["expiresAt"]))
    for name, want in bindings:
        if ds[name] != want:
            run.add("decision_binding_mismatch", f"decision {name} is {json.dumps(ds[name])} but expected {json.dumps(want)}", f"{at}.statement.{name}")
    if "approvalId" in expect and ds["approvalId"] != expect["approvalId"]:
        run.add("approval_id_mismatch", f"decision is for approval {json.dumps(ds['approvalId'])}, expected {json.dumps(expect['approvalId'])}", f"{at}.statement.approvalId")
    if "challenge" in expect and ds["challenge"] != expect["challenge"]:
        run.add("challenge_mismatch", "decision carries a different challenge than the approval issued", f"{at}.statement.challenge")
    if _after(ds["decidedAt"], ds["expiresAt"]):
        run.add("decision_after_expiry", f"decided at {ds['decidedAt']}, after the approval expired at {ds['expiresAt']}", f"{at}.statement.decidedAt")
    if now is not None and _after(now, ds["expiresAt"]):
        run.add("approval_expired", f"the approval expired at {ds['expiresAt']} (now {now})", f"{at}.statement.expiresAt")
    return raw, approver_key_id
