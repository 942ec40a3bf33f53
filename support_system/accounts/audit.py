"""The audit trail: security events, written once and never changed.

Every sign-in, refused token, key or token change, role change and publish leaves a row
(`AuditEvent`; the database refuses UPDATE and DELETE on it). Recording must never break
the action it describes, so a failed write is logged, not raised.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from support_system.core.logging import get_logger
from support_system.data.db import session_scope
from support_system.data.repositories import accounts as repo
from support_system.data.schema import AuditEvent

log = get_logger(__name__)

#: The event names in use (the admin page offers them as a filter).
EVENTS = (
    "login",
    "login_failed",
    "logout",
    "register",
    "token_refresh",
    "token_reuse",
    "token_refused",
    "personal_token_created",
    "personal_token_revoked",
    "api_key_saved",
    "api_key_deleted",
    "role_changed",
    "user_disabled",
    "user_enabled",
    "user_deleted",
    "password_changed",
    "password_reset",
    "invite_created",
    "publish",
    "delete",
    "export",
    "settings_changed",
)


@dataclass(frozen=True)
class AuditRow:
    id: int
    created_at: datetime
    event: str
    ok: bool
    actor_id: int | None
    actor: str
    target: str
    client: str
    detail: dict[str, Any]


def record(
    event: str,
    *,
    ok: bool = True,
    actor_id: int | None = None,
    actor: str = "",
    target: str = "",
    client: str = "",
    **detail: Any,
) -> None:
    """Append one event. `detail` must never hold a secret (passwords, tokens, keys)."""
    try:
        with session_scope() as session:
            session.add(
                AuditEvent(
                    event=event,
                    ok=ok,
                    actor_id=actor_id,
                    actor=actor[:100],
                    target=target[:200],
                    client=client[:100],
                    detail=detail,
                )
            )
    except Exception as exc:  # noqa: BLE001 - the action itself must not fail for its trace
        log.error("audit_write_failed", audit_event=event, error=str(exc))


def events(
    *,
    event: str | None = None,
    actor: str | None = None,
    ok: bool | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 500,
) -> list[AuditRow]:
    """Events newest first, filtered by name, actor (user name), outcome and time."""
    with session_scope() as session:
        return [
            AuditRow(
                id=row.id,
                created_at=row.created_at,
                event=row.event,
                ok=row.ok,
                actor_id=row.actor_id,
                actor=row.actor,
                target=row.target,
                client=row.client,
                detail=dict(row.detail or {}),
            )
            for row in repo.audit_events(
                session,
                event=event,
                actor=actor,
                ok=ok,
                since=since,
                until=until,
                limit=limit,
            )
        ]


CSV_COLUMNS = ("id", "created_at", "event", "ok", "actor_id", "actor", "target", "client")


def to_csv(rows: list[AuditRow]) -> str:
    """The rows as CSV (UTF-8 text; the caller adds a BOM for Excel when it saves a file)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([*CSV_COLUMNS, "detail"])
    for row in rows:
        values = [getattr(row, name) for name in CSV_COLUMNS]
        values[1] = row.created_at.isoformat()
        detail = ";".join(f"{k}={v}" for k, v in sorted(row.detail.items()))
        writer.writerow([*values, detail])
    return out.getvalue()
