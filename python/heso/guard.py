"""Gating a Python call the way the TypeScript guard does: the engine signs a receipt for the
action; `allow` runs it, `block` refuses it, `suspend` opens an approval and waits for a
co-signature that the Python verifier accepts against locally pinned trust — the server's
word that an approval was granted counts for nothing on its own.

Observe-only mode (HESO_BLOCKING=0) records and reports, but never stops a call.
"""

from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator, Optional, TypeVar

from .cloud import Cloud
from .config import Config
from .engine import sign_action
from .quorum import countable_cosignatures
from .verify import VerifyResult, gate

F = TypeVar("F", bound=Callable[..., Any])


class ActionBlocked(Exception):
    """The action may not run; `result` (when there is one) says exactly why."""

    def __init__(self, message: str, receipt: Optional[dict[str, Any]] = None, result: Optional[VerifyResult] = None) -> None:
        super().__init__(message)
        self.receipt = receipt
        self.result = result


@dataclass
class Decision:
    """What the guard decided for one call: `allowed` says whether the call runs."""

    allowed: bool
    verdict: str
    receipt: dict[str, Any]
    result: Optional[VerifyResult]
    observed_only: bool = False


class Guard:
    def __init__(self, config: Config, cloud: Cloud, trust: dict[str, Any], policy: Optional[dict[str, Any]] = None) -> None:
        self.config, self.cloud, self.trust, self._policy = config, cloud, trust, policy

    def decide(self, tool: str, params: dict[str, Any], **action: Any) -> Decision:
        team = self.config.team
        if not team:
            raise ValueError("no team: pass heso.init(team=...) or set team in heso.toml")
        policy = self._policy or self.cloud.pull_policy(team)
        signed = sign_action(self.config, team, tool, params, policy, **action)
        receipt = signed["receipt"]
        if signed["verdict"] == "allow":
            return self._outcome(True, "allow", receipt, None)
        if signed["verdict"] == "block":
            return self._outcome(False, "block", receipt, None, "the policy blocks this action")
        approval = self.cloud.open_approval(team, receipt)
        sys.stderr.write(f"heso: waiting for approval {approval['id']} of {tool}\n")
        final = self.cloud.poll_approval(team, approval["id"], timeout=self.config.timeout)
        # Our own record of the approval, not the server's answer, is what the co-signature must match.
        expect = {"approvalId": approval["id"], "challenge": approval["challenge"], "expiresAt": approval["expiresAt"]}
        if "quorum" in receipt["statement"]:
            # A quorum receipt carries every co-signature this agent can count; the verifier counts them.
            kept = countable_cosignatures(final.get("decisions"), receipt, expect, self.trust)
            decided = dict(receipt, cosignatures=kept) if kept else receipt
        else:
            decided = dict(receipt, cosignature=final["cosignature"]) if final.get("cosignature") else receipt
        result = gate(decided, self.trust, expect=expect)
        why = "; ".join(f"{r['code']}: {r['message']}" for r in result.reasons)
        return self._outcome(result.ok, result.verdict, decided, result, why)

    def _outcome(self, allowed: bool, verdict: str, receipt: dict[str, Any], result: Optional[VerifyResult], why: str = "") -> Decision:
        try:
            self.cloud.push_receipt(self.config.team or "", receipt)
        except Exception as exc:  # noqa: BLE001 - the audit copy is best effort; the decision stands
            sys.stderr.write(f"heso: could not push the receipt ({exc}); it is still valid locally\n")
        if allowed:
            return Decision(True, verdict, receipt, result)
        if self.config.observe_only:
            sys.stderr.write(f"heso: observe-only: would have stopped this action ({verdict}): {why}\n")
            return Decision(True, verdict, receipt, result, observed_only=True)
        raise ActionBlocked(f"action not allowed (verdict {verdict}): {why}", receipt, result)

    @contextmanager
    def check(self, tool: str, params: dict[str, Any], **action: Any) -> Iterator[Decision]:
        """`with guard.check("db.delete", {...}):` runs the block only when the action may run."""
        yield self.decide(tool, params, **action)

    def gated(self, tool: str, params: Optional[Callable[..., dict[str, Any]]] = None) -> Callable[[F], F]:
        """Decorator: each call is an action `tool` whose params are the call's keyword arguments
        (or what `params(*args, **kwargs)` returns); it runs only once the guard allows it."""

        def wrap(fn: F) -> F:
            @functools.wraps(fn)
            def inner(*args: Any, **kwargs: Any) -> Any:
                self.decide(tool, params(*args, **kwargs) if params else dict(kwargs))
                return fn(*args, **kwargs)

            return inner  # type: ignore[return-value]

        return wrap
