"""Building and signing statements in Python (the operator's receipt, an approver's decision).

Used by tests to sign receipts the TypeScript verifier must accept, and by operators who hold
a key in Python. A signature is Ed25519 over the JCS bytes of the whole statement.
"""

from __future__ import annotations

import os
from typing import Any, Optional

from .ed25519 import b64url_encode, key_id_of, public_key_from_seed, sign
from .jcs import canonical_bytes
from .schema import DECISION_TYPE, RECEIPT_TYPE, check_cosignature, check_operator_receipt, problems
from .verify import action_hash_of


class StatementError(ValueError):
    pass


def sign_statement(statement: dict[str, Any], seed: bytes) -> str:
    return b64url_encode(sign(canonical_bytes(statement), seed))


def build_receipt(*, team_id: str, action: dict[str, Any], verdict: str, policy: dict[str, Any], operator_seed: bytes, issued_at: str, receipt_id: Optional[str] = None) -> dict[str, Any]:
    """An operator-signed receipt. Raises StatementError naming the field when the input is off-spec."""
    public_key = public_key_from_seed(operator_seed)
    statement = {
        "type": RECEIPT_TYPE,
        "receiptId": receipt_id or f"rcpt_{os.urandom(16).hex()}",
        "teamId": team_id,
        "action": action,
        "actionHash": action_hash_of(action),
        "verdict": verdict,
        "policy": policy,
        "operatorKeyId": key_id_of(public_key),
        "operatorPublicKey": b64url_encode(public_key),
        "issuedAt": issued_at,
    }
    receipt = {"statement": statement, "signature": sign_statement(statement, operator_seed)}
    if found := problems(check_operator_receipt, receipt, "receipt"):
        raise StatementError("; ".join(f"{where}: {message}" for where, message in found))
    return receipt


def build_cosignature(*, receipt: dict[str, Any], approval_id: str, challenge: str, decision: str, decided_at: str, expires_at: str, approver_seed: bytes, reason: Optional[str] = None) -> dict[str, Any]:
    """An approver's co-signature binding a decision to this receipt and approval."""
    st = receipt["statement"]
    public_key = public_key_from_seed(approver_seed)
    statement: dict[str, Any] = {
        "type": DECISION_TYPE,
        "teamId": st["teamId"],
        "approvalId": approval_id,
        "receiptId": st["receiptId"],
        "actionHash": st["actionHash"],
        "operatorKeyId": st["operatorKeyId"],
        "policyVersion": st["policy"]["version"],
        "ruleId": st["policy"]["ruleId"],
        "decision": decision,
        "challenge": challenge,
        "decidedAt": decided_at,
        "expiresAt": expires_at,
        "approverKeyId": key_id_of(public_key),
    }
    if reason is not None:
        statement["reason"] = reason
    cosignature = {"statement": statement, "signature": sign_statement(statement, approver_seed), "approverPublicKey": b64url_encode(public_key)}
    if found := problems(check_cosignature, cosignature, "cosignature"):
        raise StatementError("; ".join(f"{where}: {message}" for where, message in found))
    return cosignature
