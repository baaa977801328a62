"""Local work (capture → evaluate → sign) through the engine executable's machine interface
(`heso machine`), so the policy language has exactly one implementation."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from typing import Any, Optional

from .config import Config


class EngineError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def sign_action(config: Config, team: str, tool: str, params: dict[str, Any], policy: dict[str, Any], *, account: Optional[str] = None, workflow: Optional[str] = None, summary: Optional[str] = None) -> dict[str, Any]:
    """Captures the action, evaluates it against `policy` and signs the receipt with the operator key."""
    action_input: dict[str, Any] = {"tool": tool, "params": params}
    for name, value in (("account", account), ("workflow", workflow), ("summary", summary)):
        if value is not None:
            action_input[name] = value
    request: dict[str, Any] = {"op": "sign", "teamId": team, "input": action_input, "policy": policy, "dataDir": os.path.join(config.project_root, config.data_dir)}
    for name, value in (("account", config.account), ("workflow", config.workflow), ("clock", config.clock)):
        if value is not None:
            request[name] = value
    command = shlex.split(config.bin) + ["machine"]
    try:
        done = subprocess.run(command, input=json.dumps(request), capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError("engine_unavailable", f"cannot run the engine {config.bin!r} ({exc}); set HESO_BIN to the heso executable") from None
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise EngineError("engine_unavailable", f"the engine {config.bin!r} gave no JSON answer (exit {done.returncode}): {done.stderr.strip()[:500]}") from None
    if not answer.get("ok"):
        error = answer.get("error", {})
        raise EngineError(str(error.get("code", "engine_error")), str(error.get("message", "the engine refused the request")))
    return answer
