"""Is a model usable right now? Cheap checks for the home page and `models list`.

Embedded: are its packages installed (and is it already in memory)? Servers: does a
short request to their model list answer, and does it include our model? Cloud: is a
key stored? Each answer comes with a translated fix the user can act on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import httpx

from support_system.ai.hosts import server_urls
from support_system.ai.model_files import package_files
from support_system.ai.model_process import is_loaded
from support_system.ai.registry import LOCAL_SERVER_PROVIDERS, ModelSpec
from support_system.core.errors import ModelFileError
from support_system.core.i18n import t

State = Literal["loaded", "ready", "reachable", "error"]
_STATE_KEYS = {
    "loaded": "models.status_loaded",
    "ready": "models.status_not_loaded",
    "reachable": "models.status_reachable",
    "error": "models.status_error",
}


@dataclass
class ModelStatus:
    name: str
    label: str
    provider: str
    state: State
    detail: str = ""
    fix_key: str | None = None
    fix_params: dict[str, str] | None = None

    @property
    def ok(self) -> bool:
        return self.state != "error"

    def message(self, lang: str | None = None) -> str:
        return t(_STATE_KEYS[self.state], lang)

    def fix(self, lang: str | None = None) -> str:
        return t(self.fix_key, lang, **(self.fix_params or {})) if self.fix_key else ""


def _probe(spec: ModelSpec, status: ModelStatus) -> ModelStatus:
    """Reachable when any of the model's hosts answers with the model (calls skip the
    hosts that are down); otherwise the fix names the first host's problem."""
    first: ModelStatus | None = None
    for url in server_urls(spec):
        answer = _probe_host(spec, replace(status), url)
        if answer.ok:
            return answer
        first = first or answer
    return first or status


def _probe_host(spec: ModelSpec, status: ModelStatus, url: str) -> ModelStatus:
    list_url = f"{url}/api/tags" if spec.provider == "ollama" else f"{url}/models"
    status.fix_key, status.fix_params = "models.fix_server", {"url": url}
    try:
        response = httpx.get(list_url, timeout=2.0)
        response.raise_for_status()
    except httpx.HTTPError as exc:
        status.detail = f"{type(exc).__name__}: {exc}"
        return status
    if spec.provider == "ollama":
        names = [m.get("name") or m.get("model") for m in response.json().get("models", [])]
        if spec.model_id not in names and f"{spec.model_id}:latest" not in names:
            status.detail = f"model {spec.model_id} is not pulled (ollama pull {spec.model_id})"
            status.fix_key, status.fix_params = "models.fix_pull", {"model": spec.model_id or ""}
            return status
    status.state, status.fix_key, status.fix_params = "reachable", None, None
    return status


def model_status(spec: ModelSpec, *, has_key: bool = False) -> ModelStatus:
    """Check one model without generating anything (servers get a 2 s probe)."""
    status = ModelStatus(name=spec.name, label=spec.label, provider=spec.provider, state="error")
    if spec.provider == "embedded":
        if spec.packaged is not None:
            try:
                package_files(spec.packaged, spec.name)
            except ModelFileError as exc:
                status.detail, status.fix_key = exc.detail, "models.fix_embedded"
                return status
        elif spec.path is not None and not spec.path.is_file():
            status.detail, status.fix_key = f"{spec.path} not found", "models.fix_embedded"
            return status
        status.state = "loaded" if is_loaded(spec.name) else "ready"
        return status
    if spec.provider in LOCAL_SERVER_PROVIDERS:
        return _probe(spec, status)
    if has_key:
        status.state = "ready"
    else:
        status.detail = f"no API key for {spec.provider}"
        status.fix_key, status.fix_params = "models.fix_key", {"provider": spec.provider}
    return status
