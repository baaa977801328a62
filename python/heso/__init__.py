"""HESO for Python: verify receipts natively, talk to the control plane, gate risky calls.

    import heso
    heso.init(api_key=os.environ["HESO_API_KEY"], endpoint="https://heso.example.com", team="team_19")
    bundle = heso.pull_policy("team_19")
"""

from __future__ import annotations

import json
from typing import Any, Optional

from .cloud import Cloud, HesoCloudError
from .config import Config, ConfigError, resolve
from .ed25519 import b64url_decode, b64url_encode, key_id_of, verify_ed25519
from .engine import EngineError, sign_action
from .guard import ActionBlocked, Decision, Guard
from .jcs import CanonicalJsonError, canonical_bytes, canonicalize
from .statements import build_cosignature, build_receipt
from .trust_file import TrustFileError, trust_keys_from_text
from .verify import VERIFY_REASON_CODES, GateError, VerifyResult, assert_gate, gate, verify_receipt

__all__ = [
    "ActionBlocked", "CanonicalJsonError", "Cloud", "Config", "ConfigError", "Decision", "EngineError", "GateError",
    "Guard", "HesoCloudError", "VERIFY_REASON_CODES", "VerifyResult", "assert_gate", "b64url_decode", "b64url_encode",
    "build_cosignature", "build_receipt", "canonical_bytes", "canonicalize", "config", "gate", "guard", "init",
    "key_id_of", "open_approval", "poll_approval", "pull_policy", "push_receipt", "push_receipts", "sign_action",
    "verify_ed25519", "verify_receipt",
]

_config: Optional[Config] = None
_cloud: Optional[Cloud] = None


def init(api_key: Optional[str] = None, endpoint: Optional[str] = None, **settings: Any) -> Config:
    """Resolves configuration (arguments > environment > heso.toml > defaults) and makes it active.
    Calling it again replaces the active configuration."""
    global _config, _cloud
    config = resolve({"api_key": api_key, "endpoint": endpoint, **settings})
    _cloud = Cloud(config.api_key, config.endpoint) if config.api_key and config.endpoint else None
    _config = config
    return config


def config() -> Config:
    if _config is None:
        raise ConfigError("heso is not initialised: call heso.init(...) first")
    return _config


def _cloud_or_raise() -> Cloud:
    if _cloud is None:
        raise HesoCloudError("not_configured", "no control plane configured: call heso.init(api_key=..., endpoint=...) first")
    return _cloud


def pull_policy(team: str) -> dict[str, Any]:
    return _cloud_or_raise().pull_policy(team)


def push_receipt(team: str, receipt: dict[str, Any]) -> dict[str, Any]:
    return _cloud_or_raise().push_receipt(team, receipt)


def push_receipts(team: str, receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return _cloud_or_raise().push_receipts(team, receipts)


def open_approval(team: str, receipt: dict[str, Any], expires_in_seconds: Optional[int] = None) -> dict[str, Any]:
    return _cloud_or_raise().open_approval(team, receipt, expires_in_seconds)


def poll_approval(team: str, approval_id: str, timeout: Optional[float] = None) -> dict[str, Any]:
    return _cloud_or_raise().poll_approval(team, approval_id, config().timeout if timeout is None else timeout)


def guard(trust: Optional[dict[str, Any]] = None, policy: Optional[dict[str, Any]] = None) -> Guard:
    """A Guard on the active configuration. Trust is pinned locally: the argument, or `trust_file`."""
    active = config()
    if trust is None:
        if not active.trust_file:
            raise ConfigError("no trust: pass guard(trust={'approverKeys': [...]}) or set trust_file in heso.toml")
        trust = _trust_of_file(active.trust_file)
    return Guard(active, _cloud_or_raise(), trust, policy)


def _trust_of_file(path: str) -> dict[str, Any]:
    """The trust set in `trust_file`, read as `heso verify --trust` reads it: an agent's
    trusted-approvers.json (quorum labels included), a JSON trust set, or one key per line."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        keys = trust_keys_from_text(text, path)
    except OSError as exc:
        raise ConfigError(f"trust_file {path}: cannot read it ({exc.strerror}); check the path in heso.toml") from None
    except TrustFileError as exc:
        raise ConfigError(f"trust_file {exc}") from None
    trust: dict[str, Any] = {"approverKeys": keys["approverKeys"]}
    # An explicit "operatorKeys": [] trusts no operator (every receipt fails), as it did when the
    # file was read as plain JSON: never widen it to "any operator" by dropping the empty list.
    if keys["operatorKeys"] or _names_operator_keys(text):
        trust["operatorKeys"] = keys["operatorKeys"]
    if "approvers" in keys:
        trust["approvers"] = keys["approvers"]
    return trust


def _names_operator_keys(text: str) -> bool:
    """Whether a JSON trust file sets operatorKeys itself (even to an empty list)."""
    if not text.lstrip().startswith("{"):
        return False
    try:
        return "operatorKeys" in json.loads(text)
    except ValueError:
        return False
