"""Offline receipt verification (docs/protocol.md "Verification"), a second implementation.

Mirrors the TypeScript `verifyReceipt` step by step, so both report the same verdicts and
the same reason codes for the same input, quorum receipts included (counted by .quorum against
the verifier's own trust set). Needs no key, account or network; never raises.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Any, Optional

from .cosignature import Run, check_decision, compare_timestamps, signature_valid, type_text
from .ed25519 import b64url_decode, key_id_of
from .jcs import canonical_bytes
from .quorum import ABSENT, check_quorum_cosignatures, trust_overlap
from .schema import RECEIPT_TYPE, check_operator_receipt, check_trust, problems

__all__ = ["VERIFY_REASON_CODES", "GateError", "VerifyResult", "action_hash_of", "assert_gate", "compare_timestamps", "gate", "verify_receipt"]

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
    "quorum_not_met",
    "duplicate_approver",
)
OUTCOME_REASONS = frozenset({"verdict_block", "approval_missing", "decision_denied", "approval_expired", "quorum_not_met"})


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
    # For a receipt whose statement states a quorum: how far its counted co-signatures go
    # ({approvals, required, groups: [{group, need, have}], denials, veto, met, vetoed}); else None.
    quorum: Optional[dict[str, Any]] = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def action_hash_of(action: Any) -> str:
    return "sha256:" + hashlib.sha256(canonical_bytes(action)).hexdigest()


def _finish(run: Run, verdict: str, claimed: Optional[str] = None, op: Optional[str] = None, ap: Optional[str] = None, decision: Optional[str] = None, quorum: Optional[dict[str, Any]] = None) -> VerifyResult:
    valid = all(r["code"] in OUTCOME_REASONS for r in run.reasons)
    if not valid and verdict == "allow":
        verdict = "block"
    ok = valid and verdict == "allow" and not run.reasons
    return VerifyResult(ok, valid, verdict, claimed, run.reasons, op, ap, decision, quorum)


def _trusted_ids(keys: list[str]) -> set[str]:
    return {key_id_of(b64url_decode(k)) for k in keys}


def _now_text(now: Optional[datetime]) -> str:
    moment = now or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _add_problems(run: Run, found: list[tuple[str, str]]) -> None:
    for where, message in found:
        run.add("malformed", f"{where}: {message}", where)


def _verify(receipt: Any, trust: Any, expect: dict[str, str], now: Optional[str]) -> VerifyResult:
    run = Run()
    trust_problems = problems(check_trust, trust, "trust")
    if trust_problems:
        _add_problems(run, trust_problems)
        return _finish(run, "block")
    if overlap := trust_overlap(trust):
        run.add("malformed", f"trust.approvers: {overlap}", "trust.approvers")
    if not isinstance(receipt, dict):
        run.add("malformed", "receipt: expected a JSON object with statement and signature", "receipt")
        return _finish(run, "block")
    if isinstance(receipt.get("statement"), dict) and receipt["statement"].get("type") != RECEIPT_TYPE:
        run.add("wrong_statement_type", f'expected a "{RECEIPT_TYPE}" statement, got {type_text(receipt["statement"])}', "receipt.statement.type")
        return _finish(run, "block")
    envelope = {k: v for k, v in receipt.items() if k not in ("cosignature", "cosignatures")}
    shape = problems(check_operator_receipt, envelope, "receipt")
    if shape:
        _add_problems(run, shape)
        return _finish(run, "block")
    st = envelope["statement"]
    operator_key_id = _check_operator_part(envelope, trust, run)
    operator_valid = not run.reasons
    claimed = st["verdict"]
    if claimed != "suspend":
        if "cosignature" in receipt or "cosignatures" in receipt:
            run.add("unexpected_cosignature", f'a "{claimed}" receipt must not carry a co-signature', "receipt.cosignature")
        if claimed == "block":
            run.add("verdict_block", "the policy verdict is block", "receipt.statement.verdict")
        return _finish(run, claimed if operator_valid else "block", claimed, operator_key_id)
    if "quorum" in st:
        return _verify_quorum(receipt, st, trust, expect, now, run, operator_valid, operator_key_id)
    if "cosignatures" in receipt:
        run.add("unexpected_cosignature", 'only a receipt whose statement states a quorum carries "cosignatures"', "receipt.cosignatures")
    return _verify_single(receipt, st, trust, expect, now, run, operator_valid, operator_key_id)


def _check_operator_part(envelope: dict[str, Any], trust: dict[str, Any], run: Run) -> str:
    """Key id, operator trust, operator signature and action hash; returns the operator key id."""
    st = envelope["statement"]
    operator_key = b64url_decode(st["operatorPublicKey"])
    operator_key_id = key_id_of(operator_key)
    if operator_key_id != st["operatorKeyId"]:
        run.add("operator_key_mismatch", f"statement names operator key {st['operatorKeyId']} but carries the key of {operator_key_id}", "receipt.statement.operatorKeyId")
    if "operatorKeys" in trust and operator_key_id not in _trusted_ids(trust["operatorKeys"]):
        run.add("operator_untrusted", f"operator key {operator_key_id} is not in the trusted operator keys", "receipt.statement.operatorPublicKey")
    if not signature_valid(envelope["signature"], st, operator_key):
        run.add("bad_operator_signature", "the operator signature does not verify over the receipt statement", "receipt.signature")
    if action_hash_of(st["action"]) != st["actionHash"]:
        run.add("action_hash_mismatch", "actionHash is not the SHA-256 of the canonical action", "receipt.statement.actionHash")
    return operator_key_id


def _verify_quorum(receipt: dict[str, Any], st: dict[str, Any], trust: dict[str, Any], expect: dict[str, str], now: Optional[str], run: Run, operator_valid: bool, operator_key_id: str) -> VerifyResult:
    """Step 6q: the receipt's `cosignatures` counted against the quorum its operator signed."""
    if "cosignature" in receipt:
        run.add("unexpected_cosignature", 'a quorum receipt carries its co-signatures in "cosignatures"', "receipt.cosignature")
    check = check_quorum_cosignatures(receipt.get("cosignatures", ABSENT), st, trust, expect, now, run)
    decision = {"allow": "approve", "block": "deny"}.get(check.verdict)
    verdict = "block" if check.verdict == "block" or not operator_valid else check.verdict
    approver = check.counted[0] if check.counted else None
    return _finish(run, verdict, st["verdict"], operator_key_id, approver, decision, check.progress)


def _verify_single(receipt: dict[str, Any], st: dict[str, Any], trust: dict[str, Any], expect: dict[str, str], now: Optional[str], run: Run, operator_valid: bool, operator_key_id: str) -> VerifyResult:
    """Steps 6–7: the one approver co-signature of a suspended receipt."""
    suspended = "suspend" if operator_valid else "block"
    if "cosignature" not in receipt:
        run.add("approval_missing", "the action is suspended and carries no approver co-signature", "receipt.cosignature")
        return _finish(run, suspended, st["verdict"], operator_key_id)
    before = len(run.reasons)
    cos, approver_key_id = check_decision(receipt["cosignature"], st, expect, now, run, "receipt.cosignature")
    if approver_key_id and approver_key_id not in _trusted_ids(trust["approverKeys"]):
        run.add("approver_untrusted", f"approver key {approver_key_id} is not in the trusted approver keys", "receipt.cosignature.approverPublicKey")
    decision = cos["statement"]["decision"] if cos else None
    if len(run.reasons) > before or cos is None:
        return _finish(run, suspended, st["verdict"], operator_key_id, approver_key_id, decision)
    if decision == "deny":
        run.add("decision_denied", "the approver denied the action", "receipt.cosignature.statement.decision")
        return _finish(run, "block", st["verdict"], operator_key_id, approver_key_id, decision)
    return _finish(run, "allow" if operator_valid else "block", st["verdict"], operator_key_id, approver_key_id, decision)


def verify_receipt(receipt: Any, trust: Any, *, expect: Optional[dict[str, str]] = None, now: Optional[datetime] = None, require_unexpired: bool = False) -> VerifyResult:
    """Verifies a receipt against locally pinned trust and re-derives its verdict. Never raises."""
    try:
        return _verify(receipt, trust, expect or {}, _now_text(now) if require_unexpired else None)
    except Exception as exc:  # noqa: BLE001 - only hostile objects reach here; fail closed
        run = Run()
        run.add("malformed", f"receipt could not be read: {exc}", "receipt")
        return _finish(run, "block")


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
