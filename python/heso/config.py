"""Configuration: explicit arguments, then environment variables, then `heso.toml` in the
project root, then defaults. `heso.init(...)` resolves it; calling it again replaces it.

No environment variable carries the API key: the caller passes it (or reads HESO_API_KEY
itself), as in the TypeScript SDK, so a key is never picked up by accident.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from typing import Any, Mapping, Optional

ENV = {
    "project_root": "HESO_PROJECT_ROOT",
    "workflow": "HESO_WORKFLOW",
    "account": "HESO_ACCOUNT",
    "clock": "HESO_CLOCK",
    "timeout": "HESO_TIMEOUT",
    "blocking": "HESO_BLOCKING",
    "bin": "HESO_BIN",
}
DEFAULT_BIN = "heso"
DEFAULT_TIMEOUT = 900.0


class ConfigError(ValueError):
    pass


@dataclass(frozen=True)
class Config:
    api_key: Optional[str] = None
    endpoint: Optional[str] = None
    team: Optional[str] = None
    project_root: str = "."
    workflow: Optional[str] = None
    account: Optional[str] = None
    clock: Optional[str] = None
    timeout: float = DEFAULT_TIMEOUT
    blocking: bool = True
    bin: str = DEFAULT_BIN
    data_dir: str = ".heso"
    trust_file: Optional[str] = None

    @property
    def observe_only(self) -> bool:
        return not self.blocking


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name}={value!r}: expected true or false (1/0, yes/no, on/off)")


def _float(value: Any, name: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r}: expected a number of seconds") from None
    if not number > 0:
        raise ConfigError(f"{name}={value!r}: must be more than 0 seconds")
    return number


def _coerce(values: dict[str, Any], source: Mapping[str, str]) -> dict[str, Any]:
    out = dict(values)
    if "timeout" in out:
        out["timeout"] = _float(out["timeout"], source.get("timeout", "timeout"))
    if "blocking" in out:
        out["blocking"] = _bool(out["blocking"], source.get("blocking", "blocking"))
    return out


def _from_toml(root: str) -> dict[str, Any]:
    path = os.path.join(root, "heso.toml")
    if not os.path.exists(path):
        return {}
    try:
        with open(path, "rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read as TOML ({exc})") from None
    table = data.get("heso", data)
    known = {f.name for f in fields(Config)} - {"api_key"}
    unknown = sorted(set(table) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)} (known: {', '.join(sorted(known))})")
    if "api_key" in data or "api_key" in table:
        raise ConfigError(f"{path}: must not hold api_key; pass it to heso.init(api_key=...) from your secret store")
    return _coerce(table, {k: f"{path}: {k}" for k in table})


def resolve(explicit: Mapping[str, Any], environ: Optional[Mapping[str, str]] = None) -> Config:
    """Arguments > environment > heso.toml (in the project root) > defaults."""
    env = os.environ if environ is None else environ
    given = {k: v for k, v in explicit.items() if v is not None}
    from_env = {key: env[name] for key, name in ENV.items() if env.get(name, "") != ""}
    from_env = _coerce(from_env, ENV)
    root = given.get("project_root") or from_env.get("project_root") or "."
    merged = {**_from_toml(root), **from_env, **_coerce(given, {})}
    merged["project_root"] = root
    return Config(**merged)
