"""Test helper: reads [{receipt, trust, expect?, now?, requireUnexpired?}] as JSON on stdin and
prints the Python verifier's result for each; with `sign`, signs receipts described on stdin."""

import json
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from heso import build_cosignature, build_receipt, verify_receipt  # noqa: E402
from heso.jcs import parse_json_text  # noqa: E402


def verify_all(cases):
    out = []
    for case in cases:
        now = case.get("now")
        result = verify_receipt(
            case["receipt"],
            case["trust"],
            expect=case.get("expect"),
            now=datetime.fromisoformat(now.replace("Z", "+00:00")) if now else None,
            require_unexpired=case.get("requireUnexpired", False),
        )
        out.append(result.to_json())
    return out


def sign_all(items):
    out = []
    for item in items:
        receipt = build_receipt(
            team_id=item["teamId"], action=item["action"], verdict=item["verdict"], policy=item["policy"],
            operator_seed=bytes.fromhex(item["operatorSeed"]), issued_at=item["issuedAt"], receipt_id=item["receiptId"],
        )
        if "approval" in item:
            a = item["approval"]
            receipt["cosignature"] = build_cosignature(
                receipt=receipt, approval_id=a["id"], challenge=a["challenge"], decision=a["decision"],
                decided_at=a["decidedAt"], expires_at=a["expiresAt"], approver_seed=bytes.fromhex(a["approverSeed"]),
            )
        out.append(receipt)
    return out


if __name__ == "__main__":
    data = parse_json_text(sys.stdin.read())
    result = sign_all(data) if sys.argv[1:] == ["sign"] else verify_all(data)
    sys.stdout.write(json.dumps(result, ensure_ascii=False))
