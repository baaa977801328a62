"""Control-plane calls (pull_policy, push_receipt(s), open_approval, poll_approval) over HTTPS.

The server is trusted for availability only: answers are checked for the team and approval
they claim, and a co-signature counts only once the Python verifier accepts it.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Optional


class HesoCloudError(Exception):
    def __init__(self, code: str, message: str, status: Optional[int] = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def _check_endpoint(endpoint: str) -> str:
    url = urllib.parse.urlsplit(endpoint)
    if url.username or url.password:
        raise HesoCloudError("not_configured", "the endpoint must not contain a user name or password; the API key is sent separately")
    loopback = url.hostname in ("localhost", "::1") or (url.hostname or "").startswith("127.")
    if url.scheme == "https" or (url.scheme == "http" and loopback):
        return endpoint.rstrip("/")
    raise HesoCloudError("not_configured", f"{endpoint!r}: use https:// (plain http only for a server on this machine)")


class Cloud:
    def __init__(self, api_key: str, endpoint: str, *, request_timeout: float = 40.0) -> None:
        if not isinstance(api_key, str) or not api_key.strip():
            raise HesoCloudError("not_configured", "no API key given: pass the team API key to heso.init(api_key=..., endpoint=...)")
        self._api_key = api_key
        self.endpoint = _check_endpoint(endpoint)
        self._timeout = request_timeout

    def _request(self, method: str, path: str, body: Any = None, query: Optional[dict[str, Any]] = None) -> Any:
        url = self.endpoint + path + (f"?{urllib.parse.urlencode(query)}" if query else "")
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode("utf-8")
        headers = {"authorization": f"Bearer {self._api_key}", "accept": "application/json"}
        if data is not None:
            headers["content-type"] = "application/json"
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            try:
                error = json.loads(exc.read().decode("utf-8")).get("error", {})
            except (ValueError, AttributeError):
                error = {}
            message = str(error.get("message", exc.reason)).replace(self._api_key, "[redacted]")
            raise HesoCloudError(str(error.get("code", "http_error")), f"{method} {path}: {exc.code} {message}", exc.code) from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise HesoCloudError("network", f"{method} {path}: control plane unreachable ({exc})") from None

    @staticmethod
    def _team(team: str) -> str:
        return f"/v1/teams/{urllib.parse.quote(team, safe='')}"

    def pull_policy(self, team: str) -> dict[str, Any]:
        bundle = self._request("GET", f"{self._team(team)}/policy")
        if not isinstance(bundle, dict) or bundle.get("teamId") != team:
            raise HesoCloudError("wrong_answer", f"the control plane answered with a policy for another team than {team!r}")
        return bundle

    def push_receipts(self, team: str, receipts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        results: list[dict[str, Any]] = []
        for start in range(0, len(receipts), 100):
            batch = receipts[start : start + 100]
            body = {"receipt": batch[0]} if len(batch) == 1 else {"receipts": batch}
            results.extend(self._request("POST", f"{self._team(team)}/receipts", body)["results"])
        return results

    def push_receipt(self, team: str, receipt: dict[str, Any]) -> dict[str, Any]:
        return self.push_receipts(team, [receipt])[0]

    def open_approval(self, team: str, receipt: dict[str, Any], expires_in_seconds: Optional[int] = None) -> dict[str, Any]:
        body: dict[str, Any] = {"receipt": receipt}
        if expires_in_seconds is not None:
            body["expiresInSeconds"] = expires_in_seconds
        approval = self._request("POST", f"{self._team(team)}/approvals", body)
        if approval.get("teamId") != team or approval.get("receipt", {}).get("statement", {}).get("receiptId") != receipt["statement"]["receiptId"]:
            raise HesoCloudError("wrong_answer", "the control plane answered with an approval for another team or receipt")
        return approval

    def poll_approval(self, team: str, approval_id: str, timeout: float = 900.0) -> dict[str, Any]:
        """Long-polls until decided or expired, or `timeout` seconds pass (then the last, pending, state)."""
        deadline = time.monotonic() + timeout
        path = f"{self._team(team)}/approvals/{urllib.parse.quote(approval_id, safe='')}"
        while True:
            wait = max(0, min(30, int(deadline - time.monotonic())))
            approval = self._request("GET", path, query={"wait": wait} if wait else None)
            if approval.get("id") != approval_id or approval.get("teamId") != team:
                raise HesoCloudError("wrong_answer", f"the control plane answered with another approval than {approval_id!r}")
            if approval.get("status") != "pending" or time.monotonic() >= deadline:
                return approval
