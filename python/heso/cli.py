"""`python -m heso verify RECEIPT --trust KEY|FILE ... [--operator KEY|FILE ...] [--json]`

Mirrors `heso verify`: same inputs, same reason codes, same exit status —
0 valid and allowed, 1 not allowed (including an unreadable receipt), 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, Optional

from .jcs import parse_json_text
from .schema import check_public_key, check_trust, problems
from .verify import VerifyResult, verify_receipt

MAX_FILE_BYTES = 1024 * 1024
TRUST_FILE_TYPE = "heso.trusted-approvers.v1"
KEY_PATTERN = re.compile(r"[A-Za-z0-9_-]{43}")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HELP = """usage: python -m heso verify RECEIPT.json --trust PUBKEY_OR_FILE ... [--operator PUBKEY_OR_FILE ...] [--json]

Verifies a HESO receipt offline (no network, no account) and re-derives its verdict.

  --trust KEY|FILE     an approver public key (base64url, 32 bytes) or a file: a JSON trust set
                       {"approverKeys": [...], "operatorKeys": [...]} or one key per line. Repeatable.
  --operator KEY|FILE  accept only receipts signed by this operator key (same forms). Repeatable.
  --json               print the result as JSON.

Exit status: 0 valid and allowed · 1 not allowed (invalid, blocked, suspended or denied) · 2 usage error.
"""


class UsageError(Exception):
    pass


def _read_small(path: str, what: str) -> str:
    try:
        size = os.stat(path).st_size
    except OSError:
        raise UsageError(f"{what} {path}: cannot read it (does the file exist?)") from None
    if size > MAX_FILE_BYTES:
        raise UsageError(f"{what} {path}: {size} bytes is too large for a {what}")
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def _load_keys(value: str, flag: str) -> tuple[list[str], list[str]]:
    if KEY_PATTERN.fullmatch(value) and not os.path.exists(value):
        if problem := check_public_key(value):
            raise UsageError(f"{flag} {value}: {problem}")
        return [value], []
    if not os.path.exists(value):
        raise UsageError(f"{flag} {value}: neither a base64url public key (43 characters) nor an existing file")
    text = _read_small(value, f"{flag} file")
    if text.lstrip().startswith("{"):
        try:
            trust = parse_json_text(text)
        except ValueError as exc:
            raise UsageError(f"{flag} file {value}: is not valid JSON ({exc})") from None
        pinned = _pinned_keys(trust)
        if pinned is not None:
            return pinned, []
        if found := problems(check_trust, trust, value):
            raise UsageError(f"{flag} file {found[0][0]}: {found[0][1]}")
        return list(trust["approverKeys"]), list(trust.get("operatorKeys", []))
    keys = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        problem = check_public_key(line) if KEY_PATTERN.fullmatch(line) else "not a base64url Ed25519 public key (43 characters)"
        if problem:
            raise UsageError(f"{flag} file {value}, line {number}: {problem}")
        keys.append(line)
    return keys, []


def _pinned_keys(data: Any) -> Optional[list[str]]:
    """The agent's own pinned-keys file (`heso trust add`, .heso/trusted-approvers.json), as `heso verify` reads it."""
    if not isinstance(data, dict) or data.get("type") != TRUST_FILE_TYPE or not isinstance(data.get("approvers"), list):
        return None
    keys = [a.get("publicKey") if isinstance(a, dict) else None for a in data["approvers"]]
    return keys if all(isinstance(k, str) and check_public_key(k) is None for k in keys) else None


def build_trust(trust_args: list[str], operator_args: list[str]) -> dict[str, Any]:
    approver: dict[str, None] = {}
    operator: dict[str, None] = {}
    for value in trust_args:
        a, o = _load_keys(value, "--trust")
        approver.update(dict.fromkeys(a))
        operator.update(dict.fromkeys(o))
    for value in operator_args:
        a, o = _load_keys(value, "--operator")
        operator.update(dict.fromkeys(a + o))
    trust: dict[str, Any] = {"approverKeys": list(approver)}
    if operator:
        trust["operatorKeys"] = list(operator)
    return trust


def _safe(text: Any) -> str:
    """Whatever a receipt holds reaches the terminal with control and bidi characters escaped."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def _human(file: str, receipt: Any, result: VerifyResult) -> str:
    lines = [f"receipt   {_safe(file)}"]
    st = receipt.get("statement") if isinstance(receipt, dict) else None
    action = st.get("action") if isinstance(st, dict) else None
    if isinstance(action, dict):
        lines.append(f"action    {_safe(action.get('tool'))} on {_safe(action.get('account'))} (workflow {_safe(action.get('workflow'))})")
        lines.append(f"team      {_safe(st.get('teamId'))}   receipt {_safe(st.get('receiptId'))}")
    if result.operatorKeyId:
        lines.append(f"operator  {result.operatorKeyId}")
    if result.approverKeyId:
        lines.append(f"approver  {result.approverKeyId}" + (f" ({result.decision})" if result.decision else ""))
    claimed = f" (operator verdict: {result.claimedVerdict})" if result.claimedVerdict and result.claimedVerdict != result.verdict else ""
    lines.append(f"verdict   {result.verdict}{claimed}")
    lines.append("result    ✔ VALID and ALLOWED" if result.ok else f"result    ✖ NOT ALLOWED ({'valid' if result.valid else 'invalid'} receipt)")
    lines.extend(f"  ✖ {r['code']}: {_safe(r['message'])}" for r in result.reasons)
    return "\n".join(lines) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m heso verify", add_help=False)
    parser.add_argument("receipt", nargs="*")
    parser.add_argument("--trust", action="append", default=[])
    parser.add_argument("--operator", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    return parser




def run_verify(argv: list[str]) -> int:
    as_json = "--json" in argv
    try:
        parser = _parser()
        parser.error = lambda message: (_ for _ in ()).throw(UsageError(message))  # type: ignore[method-assign]
        args = parser.parse_args(argv)
        if args.help:
            sys.stdout.write(HELP)
            return 0
        if len(args.receipt) != 1:
            raise UsageError("give exactly one receipt file")
        file = args.receipt[0]
        trust = build_trust(args.trust, args.operator)
        text = _read_small(file, "receipt")
        receipt: Optional[Any]
        try:
            receipt = parse_json_text(text)
            result = verify_receipt(receipt, trust)
        except ValueError as exc:
            receipt = None
            result = VerifyResult(False, False, "block", None, [{"code": "malformed", "message": f"receipt: is not valid JSON ({exc}); is the file complete?", "field": "receipt"}], None, None, None)
        if as_json:
            sys.stdout.write(json.dumps({"file": file, **result.to_json()}, indent=2, ensure_ascii=True) + "\n")
        else:
            sys.stdout.write(_human(file, receipt, result))
        return 0 if result.ok else 1
    except UsageError as exc:
        failure = {"ok": False, "error": {"code": "usage", "message": str(exc)}}
        if as_json:
            sys.stdout.write(json.dumps(failure) + "\n")
        sys.stderr.write(f"heso verify: {exc}\nRun `python -m heso verify --help` for usage.\n")
        return 2


def main(argv: Optional[list[str]] = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args or args[0] != "verify":
        sys.stderr.write("usage: python -m heso verify RECEIPT.json --trust KEY_OR_FILE [--json]\n")
        return 2
    return run_verify(args[1:])
