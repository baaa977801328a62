"""`python -m heso verify RECEIPT|RECEIPTS.jsonl|- --trust KEY|FILE ... [--operator KEY|FILE ...] [--json]`

Mirrors `heso verify`: same inputs (one receipt, or JSON Lines; - reads standard input), same
reason codes, same exit status — one receipt: 0 valid and allowed, 1 not allowed (including an
unreadable receipt); JSON Lines: 0 every receipt valid, 1 any invalid or none; 2 usage error.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from typing import Any, Optional

from .jcs import parse_json_text
from .schema import check_public_key
from .trust_file import KEY_PATTERN, TrustFileError, trust_keys_from_text
from .verify import VerifyResult, verify_receipt

MAX_FILE_BYTES = 1024 * 1024
# A JSON Lines export of many receipts; each line is still held to the one-receipt limit.
MAX_INPUT_BYTES = 256 * 1024 * 1024
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

HELP = """usage: python -m heso verify RECEIPT.json|RECEIPTS.jsonl|- --trust PUBKEY_OR_FILE ... [--operator PUBKEY_OR_FILE ...] [--json]

Verifies HESO receipts offline (no network, no account) and re-derives their verdicts.
One receipt (a JSON file), or many as JSON Lines (one receipt per line, as written by
`heso receipts export`); - reads standard input.

  --trust KEY|FILE     an approver public key (base64url, 32 bytes) or a file: an agent's
                       .heso/trusted-approvers.json (with its quorum labels), a JSON trust set
                       {"approverKeys": [...], "operatorKeys": [...], "approvers": [...]}, or one
                       key per line. Repeatable; who is who for quorums comes only from these files.
  --operator KEY|FILE  accept only receipts signed by this operator key (same forms). Repeatable.
  --json               print the result as JSON.

Exit status, one receipt: 0 valid and allowed · 1 not allowed (invalid, blocked, suspended or denied).
Exit status, JSON Lines: 0 every receipt valid (whatever its verdict) · 1 any invalid, or none.
2 usage error.
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


def _load_keys(value: str, flag: str) -> dict[str, Any]:
    """Keys from one --trust/--operator value: a literal key, or a trust file (trust_file.py)."""
    if KEY_PATTERN.fullmatch(value) and not os.path.exists(value):
        if problem := check_public_key(value):
            raise UsageError(f"{flag} {value}: {problem}")
        return {"approverKeys": [value], "operatorKeys": []}
    if not os.path.exists(value):
        raise UsageError(f"{flag} {value}: neither a base64url public key (43 characters) nor an existing file")
    try:
        return trust_keys_from_text(_read_small(value, f"{flag} file"), value)
    except TrustFileError as exc:
        raise UsageError(f"{flag} file {exc}") from None


def build_trust(trust_args: list[str], operator_args: list[str]) -> dict[str, Any]:
    approver: dict[str, None] = {}
    operator: dict[str, None] = {}
    # Who is who (quorum counting) comes from the --trust files as pinned; never from the receipt.
    approvers: list[dict[str, Any]] = []
    for value in trust_args:
        keys = _load_keys(value, "--trust")
        approver.update(dict.fromkeys(keys["approverKeys"]))
        operator.update(dict.fromkeys(keys["operatorKeys"]))
        approvers.extend(keys.get("approvers", []))
    for value in operator_args:
        keys = _load_keys(value, "--operator")
        # In an --operator file, a plain key list and approverKeys both mean "operator keys".
        operator.update(dict.fromkeys(keys["approverKeys"] + keys["operatorKeys"]))
    trust: dict[str, Any] = {"approverKeys": list(approver)}
    if operator:
        trust["operatorKeys"] = list(operator)
    if approvers:
        trust["approvers"] = approvers
    return trust


def _safe(text: Any) -> str:
    """Whatever a receipt holds reaches the terminal with control and bidi characters escaped."""
    return CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", str(text))


def _quorum_line(q: dict[str, Any]) -> str:
    """"2 of 2 approvals · finance 1/1 · security 1/1": what the trusted co-signatures added up to."""
    groups = "".join(f" · {_safe(g['group'])} {g['have']}/{g['need']}" for g in q["groups"])
    denials = f" · {q['denials']} denied{' (veto)' if q['veto'] else ''}" if q["denials"] else ""
    return f"{q['approvals']} of {q['required']} approvals{groups}{denials}"


def _human(file: str, receipt: Any, result: VerifyResult) -> str:
    lines = [f"receipt   {_safe(file)}"]
    st = receipt.get("statement") if isinstance(receipt, dict) else None
    action = st.get("action") if isinstance(st, dict) else None
    if isinstance(action, dict):
        lines.append(f"action    {_safe(action.get('tool'))} on {_safe(action.get('account'))} (workflow {_safe(action.get('workflow'))})")
        lines.append(f"team      {_safe(st.get('teamId'))}   receipt {_safe(st.get('receiptId'))}")
    if result.operatorKeyId:
        lines.append(f"operator  {result.operatorKeyId}")
    if result.quorum:
        lines.append(f"quorum    {_quorum_line(result.quorum)}")
    elif result.approverKeyId:
        lines.append(f"approver  {result.approverKeyId}" + (f" ({result.decision})" if result.decision else ""))
    claimed = f" (operator verdict: {result.claimedVerdict})" if result.claimedVerdict and result.claimedVerdict != result.verdict else ""
    lines.append(f"verdict   {result.verdict}{claimed}")
    lines.append("result    ✔ VALID and ALLOWED" if result.ok else f"result    ✖ NOT ALLOWED ({'valid' if result.valid else 'invalid'} receipt)")
    lines.extend(f"  ✖ {r['code']}: {_safe(r['message'])}" for r in result.reasons)
    return "\n".join(lines) + "\n"


def _read_input(file: str) -> str:
    """The receipt text from `file`, or from standard input for `-`."""
    if file == "-":
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise UsageError(f"standard input: more than {MAX_INPUT_BYTES} bytes")
        return data.decode("utf-8", errors="replace")
    try:
        size = os.stat(file).st_size
    except OSError:
        raise UsageError(f"receipt {file}: cannot read it (does the file exist?)") from None
    if size > MAX_INPUT_BYTES:
        raise UsageError(f"receipt {file}: {size} bytes is more than {MAX_INPUT_BYTES}")
    with open(file, encoding="utf-8", errors="replace") as handle:
        return handle.read()


def _non_empty_lines(text: str) -> list[tuple[int, str]]:
    return [(number, line.strip()) for number, line in enumerate(re.split(r"\r?\n", text), start=1) if line.strip()]


def _is_json_lines(file: str, text: str) -> bool:
    """A .jsonl/.ndjson file, or text whose first line is a whole JSON value and more lines follow."""
    if re.search(r"\.(jsonl|ndjson)$", file, re.IGNORECASE):
        return True
    lines = _non_empty_lines(text)
    if len(lines) < 2:
        return False
    try:
        json.loads(lines[0][1])
        return True
    except ValueError:
        return False  # a pretty-printed single receipt


def _verify_text(text: str, what: str, trust: dict[str, Any]) -> tuple[Optional[Any], VerifyResult]:
    """One receipt's JSON text; unreadable or oversized JSON is an invalid receipt, not a crash."""
    size = len(text.encode("utf-8"))
    if size > MAX_FILE_BYTES:
        message = f"{what}: {size} bytes is larger than the {MAX_FILE_BYTES}-byte limit"
    elif not text.strip():
        message = f"{what}: is empty, expected JSON"
    else:
        try:
            receipt = parse_json_text(text)
            return receipt, verify_receipt(receipt, trust)
        except ValueError as exc:
            message = f"{what}: is not valid JSON ({exc}); is the file complete?"
    return None, VerifyResult(False, False, "block", None, [{"code": "malformed", "message": message, "field": what}], None, None, None)


def _verify_lines(file: str, text: str, trust: dict[str, Any], as_json: bool) -> int:
    """Verifies every line, prints one report per receipt and a summary; 0 only when every receipt is valid."""
    reports = []
    for number, line in _non_empty_lines(text):
        receipt, result = _verify_text(line, f"line {number}", trust)
        st = receipt.get("statement") if isinstance(receipt, dict) else None
        st = st if isinstance(st, dict) else {}
        action = st.get("action") if isinstance(st.get("action"), dict) else {}
        receipt_id = st.get("receiptId") if isinstance(st.get("receiptId"), str) else None
        tool = action.get("tool") if isinstance(action.get("tool"), str) else None
        reports.append({"line": number, "receiptId": receipt_id, "tool": tool, **result.to_json()})
    valid = [r for r in reports if r["valid"]]
    summary = {
        "receipts": len(reports),
        "valid": len(valid),
        "invalid": len(reports) - len(valid),
        "allowed": sum(1 for r in valid if r["verdict"] == "allow"),
        "blocked": sum(1 for r in valid if r["verdict"] == "block"),
        "suspended": sum(1 for r in valid if r["verdict"] == "suspend"),
    }
    ok = summary["receipts"] > 0 and summary["invalid"] == 0
    if as_json:
        sys.stdout.write(json.dumps({"file": file, "ok": ok, "summary": summary, "receipts": reports}, indent=2, ensure_ascii=True) + "\n")
        return 0 if ok else 1
    out = [f"receipts  {'standard input' if file == '-' else _safe(file)} (JSON Lines)"]
    for r in reports:
        out.append(f"line {str(r['line']).ljust(5)} {'✔ valid  ' if r['valid'] else '✖ INVALID'}  {r['verdict'].ljust(7)}  {_safe(r['receiptId'] or '(unreadable)')}{'  ' + _safe(r['tool']) if r['tool'] else ''}")
        if not r["valid"]:
            out.extend(f"    ✖ {reason['code']}: {_safe(reason['message'])}" for reason in r["reasons"])
    if not reports:
        out.append("result    ✖ no receipts to verify")
    else:
        invalid = f", {summary['invalid']} INVALID" if summary["invalid"] else ""
        out.append(f"result    {'✔' if ok else '✖'} {summary['valid']} of {summary['receipts']} valid ({summary['allowed']} allowed, {summary['blocked']} blocked, {summary['suspended']} suspended){invalid}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0 if ok else 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m heso verify", add_help=False)
    parser.add_argument("receipt", nargs="*")
    parser.add_argument("--trust", action="append", default=[])
    parser.add_argument("--operator", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    parser.add_argument("-h", "--help", action="store_true")
    return parser




def _with_key_values_attached(argv: list[str]) -> list[str]:
    """`--trust KEY` as `--trust=KEY`: a base64url key may start with "-", which argparse would
    otherwise take for an option (1 key in 64)."""
    out: list[str] = []
    i = 0
    while i < len(argv):
        if argv[i] in ("--trust", "--operator") and i + 1 < len(argv) and argv[i + 1] != "--":
            out.append(f"{argv[i]}={argv[i + 1]}")
            i += 2
        else:
            out.append(argv[i])
            i += 1
    return out


def run_verify(argv: list[str]) -> int:
    as_json = "--json" in argv
    try:
        parser = _parser()
        parser.error = lambda message: (_ for _ in ()).throw(UsageError(message))  # type: ignore[method-assign]
        args = parser.parse_args(_with_key_values_attached(argv))
        if args.help:
            sys.stdout.write(HELP)
            return 0
        if len(args.receipt) != 1:
            raise UsageError("give exactly one receipt file (or - for standard input)")
        file = args.receipt[0]
        trust = build_trust(args.trust, args.operator)
        text = _read_input(file)
        if _is_json_lines(file, text):
            return _verify_lines(file, text, trust, as_json)
        receipt, result = _verify_text(text, "receipt", trust)
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
