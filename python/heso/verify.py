"""Offline receipt verification (docs/protocol.md "Verification"), a second implementation.

Mirrors the TypeScript `verifyReceipt` step by step, so both report the same verdicts and
the same reason codes for the same input. Needs no key, account or network; never raises.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Optional

from .ed25519 import EncodingError, b64url_decode, key_id_of, verify_ed25519
from .jcs import canonical_bytes
from .schema import (
    DECISION_TYPE,
    RECEIPT_TYPE,
    check_cosignature,
    check_operator_receipt,
    check_trust,
    problems,
)

VERIFY_REASON_CODES = (
    "malformed",
    "wrong_statement_type",
    "bad_operator_signature",
    "operator_key_mismatch",
    "operator_untrusted",
    "action_hash_mismatch",
    "verdict_block",
    "approval_missing",
    "unexpected_cosignature",
    "bad_cosignature",
    "approver_key_mismatch",
    "approver_untrusted",
    "decision_binding_mismatch",
    "decision_after_expiry",
    "approval_expired",
    "decision_denied",
    "challenge_mismatch",
    "approval_id_mismatch",
)
OUTCOME_REASONS = frozenset({"verdict_block", "approval_missing", "decision_denied", "approval_expired"})


@dataclass
class VerifyResult:
    ok: bool
    valid: bool
    verdict: str
    claimedVerdict: Optional[str]
    reasons: list[dict[str, str]]
    operatorKeyId: Optional[str]
    approverKeyId: Optional[str]
    decision: Optional[str]

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class _Run:
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


def action_hash_of(action: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(action)).hexdigest()


def _signature_valid(sig_b64: str, statement: Any, public_key: bytes) -> bool:
    try:
        return verify_ed25519(b64url_decode(sig_b64), canonical_bytes(statement), public_key)
    except (EncodingError, ValueError):
        return False


def _finish(run: _Run, verdict: str, claimed: Optional[str], op: Optional[str], ap: Optional[str], decision: Optional[str]) -> VerifyResult:
    valid = all(r["code"] in OUTCOME_REASONS for r in run.reasons)
    if not valid and verdict == "allow":
        verdict = "block"
    ok = valid and verdict == "allow" and not run.reasons
    return VerifyResult(ok, valid, verdict, claimed, run.reasons, op, ap, decision)


def _type_text(statement: dict[str, Any]) -> str:
    return json.dumps(statement["type"], ensure_ascii=False) if "type" in statement else "none"


def _check_decision(raw: Any, st: dict[str, Any], expect: dict[str, str], now: Optional[str], run: _Run) -> tuple[Optional[dict[str, Any]], Optional[str]]:
    at = "receipt.cosignature"
    if isinstance(raw, dict) and isinstance(raw.get("statement"), dict) and raw["statement"].get("type") != DECISION_TYPE:
        run.add("wrong_statement_type", f'expected a "{DECISION_TYPE}" statement, got {_type_text(raw["statement"])}', f"{at}.statement.type")
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
    if not _signature_valid(raw["signature"], ds, public_key):
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


def _trusted_ids(keys: list[str]) -> set[str]:
    return {key_id_of(b64url_decode(k)) for k in keys}


def _now_text(now: Optional[datetime]) -> str:
    moment = now or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _verify(receipt: Any, trust: Any, expect: dict[str, str], now: Optional[str]) -> VerifyResult:
    run = _Run()
    trust_problems = problems(check_trust, trust, "trust")
    if trust_problems:
        for where, message in trust_problems:
            run.add("malformed", f"{where}: {message}", where)
        return _finish(run, "block", None, None, None, None)
    approver_ids = _trusted_ids(trust["approverKeys"])
    operator_ids = _trusted_ids(trust["operatorKeys"]) if "operatorKeys" in trust else None
    if not isinstance(receipt, dict):
        run.add("malformed", "receipt: expected a JSON object with statement and signature", "receipt")
        return _finish(run, "block", None, None, None, None)
    if isinstance(receipt.get("statement"), dict) and receipt["statement"].get("type") != RECEIPT_TYPE:
        run.add("wrong_statement_type", f'expected a "{RECEIPT_TYPE}" statement, got {_type_text(receipt["statement"])}', "receipt.statement.type")
        return _finish(run, "block", None, None, None, None)
    envelope = {k: v for k, v in receipt.items() if k != "cosignature"}
    shape = problems(check_operator_receipt, envelope, "receipt")
    if shape:
        for where, message in shape:
            run.add("malformed", f"{where}: {message}", where)
        return _finish(run, "block", None, None, None, None)
    st = envelope["statement"]
    operator_key = b64url_decode(st["operatorPublicKey"])
    operator_key_id = key_id_of(operator_key)
    if operator_key_id != st["operatorKeyId"]:
        run.add("operator_key_mismatch", f"statement names operator key {st['operatorKeyId']} but carries the key of {operator_key_id}", "receipt.statement.operatorKeyId")
    if operator_ids is not None and operator_key_id not in operator_ids:
        run.add("operator_untrusted", f"operator key {operator_key_id} is not in the trusted operator keys", "receipt.statement.operatorPublicKey")
    if not _signature_valid(envelope["signature"], st, operator_key):
        run.add("bad_operator_signature", "the operator signature does not verify over the receipt statement", "receipt.signature")
    if action_hash_of(st["action"]) != st["actionHash"]:
        run.add("action_hash_mismatch", "actionHash is not the SHA-256 of the canonical action", "receipt.statement.actionHash")
    operator_valid = not run.reasons
    claimed = st["verdict"]

    def effective(verdict: str) -> str:
        return verdict if operator_valid else "block"

    if claimed != "suspend":
        if "cosignature" in receipt:
            run.add("unexpected_cosignature", f'a "{claimed}" receipt must not carry a co-signature', "receipt.cosignature")
        if claimed == "block":
            run.add("verdict_block", "the policy verdict is block", "receipt.statement.verdict")
        return _finish(run, effective(claimed), claimed, operator_key_id, None, None)
    if "cosignature" not in receipt:
        run.add("approval_missing", "the action is suspended and carries no approver co-signature", "receipt.cosignature")
        return _finish(run, effective("suspend"), claimed, operator_key_id, None, None)
    before = len(run.reasons)
    cos, approver_key_id = _check_decision(receipt["cosignature"], st, expect, now, run)
    if approver_key_id and approver_key_id not in approver_ids:
        run.add("approver_untrusted", f"approver key {approver_key_id} is not in the trusted approver keys", "receipt.cosignature.approverPublicKey")
    decision = cos["statement"]["decision"] if cos else None
    if len(run.reasons) > before or cos is None:
        return _finish(run, effective("suspend"), claimed, operator_key_id, approver_key_id, decision)
    if decision == "deny":
        run.add("decision_denied", "the approver denied the action", "receipt.cosignature.statement.decision")
        return _finish(run, "block", claimed, operator_key_id, approver_key_id, decision)
    return _finish(run, effective("allow"), claimed, operator_key_id, approver_key_id, decision)


def verify_receipt(receipt: Any, trust: Any, *, expect: Optional[dict[str, str]] = None, now: Optional[datetime] = None, require_unexpired: bool = False) -> VerifyResult:
    """Verifies a receipt against locally pinned trust and re-derives its verdict. Never raises."""
    try:
        return _verify(receipt, trust, expect or {}, _now_text(now) if require_unexpired else None)
    except Exception as exc:  # noqa: BLE001 - only hostile objects reach here; fail closed
        run = _Run()
        run.add("malformed", f"receipt could not be read: {exc}", "receipt")
        return _finish(run, "block", None, None, None, None)


class GateError(Exception):
    """Raised by assert_gate when an action may not run; `result.reasons` says exactly why."""

    def __init__(self, result: VerifyResult) -> None:
        reasons = "; ".join(f"{r['code']}: {r['message']}" for r in result.reasons)
        super().__init__(f"action not allowed (verdict {result.verdict}): {reasons}")
        self.result = result

    @property
    def reasons(self) -> list[dict[str, str]]:
        return self.result.reasons


def gate(receipt: Any, trust: Any, *, expect: Optional[dict[str, str]] = None, now: Optional[datetime] = None) -> VerifyResult:
    """verify_receipt that also requires the approval to be unexpired at `now` (default: now)."""
    return verify_receipt(receipt, trust, expect=expect, now=now, require_unexpired=True)


def assert_gate(receipt: Any, trust: Any, *, expect: Optional[dict[str, str]] = None, now: Optional[datetime] = None) -> VerifyResult:
    result = gate(receipt, trust, expect=expect, now=now)
    if not result.ok:
        raise GateError(result)
    return result
