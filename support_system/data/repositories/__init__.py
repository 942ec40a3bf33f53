"""Small typed queries the services use, so SQL lives in one place.

Every function takes the Session first and leaves committing to the caller's
`session_scope()` (the only place that commits): keep that block short where a crash
must still leave a trace (an execution's start, each attempt). Writes that several
processes may do at once (the local user, an API key) are single upserts, not
read-then-write, so two app processes starting together cannot collide.

One module per kind of row; import from here (`from support_system.data import
repositories as repo`) so callers need not know which.
"""

from __future__ import annotations

from support_system.data.repositories.agents import (
    AGENT_FIELDS,
    delete_agent_rows,
    get_agent_by_id,
    get_agent_row,
    list_agent_rows,
    upsert_agent,
)
from support_system.data.repositories.conversations import (
    add_message,
    create_conversation,
    get_conversation,
    list_conversations,
    list_messages,
)
from support_system.data.repositories.custom_jobs import add_custom_job, get_custom_job
from support_system.data.repositories.executions import (
    INTERRUPTED,
    add_artifact,
    executions_since,
    feedback_by_substep,
    finish_execution,
    get_execution,
    interrupt_stale_executions,
    latest_execution,
    list_substeps,
    recent_executions,
    record_substep,
    session_artifacts,
    start_execution,
)
from support_system.data.repositories.projects import (
    create_project_row,
    delete_project_row,
    get_project,
    latest_project_session,
    list_user_projects,
    project_artifact_stats,
    session_project_id,
)
from support_system.data.repositories.usage import (
    record_usage,
    usage_per_model_since,
)
from support_system.data.repositories.users import (
    LOCAL_USERNAME,
    APIKeyInfo,
    delete_api_key,
    ensure_local_user,
    get_api_key,
    get_user,
    key_hint,
    list_api_keys,
    save_api_key,
    store_preferences,
    stored_preferences,
)
from support_system.data.repositories.wizard import (
    create_wizard_session,
    get_wizard_session,
    recent_in_progress,
    replace_answers,
    save_answer,
)

__all__ = [
    "add_custom_job",
    "get_custom_job",
    "AGENT_FIELDS",
    "APIKeyInfo",
    "INTERRUPTED",
    "LOCAL_USERNAME",
    "add_artifact",
    "executions_since",
    "add_message",
    "create_conversation",
    "create_project_row",
    "create_wizard_session",
    "delete_agent_rows",
    "delete_api_key",
    "delete_project_row",
    "ensure_local_user",
    "feedback_by_substep",
    "finish_execution",
    "get_agent_by_id",
    "get_agent_row",
    "get_api_key",
    "get_conversation",
    "get_execution",
    "get_project",
    "get_user",
    "get_wizard_session",
    "interrupt_stale_executions",
    "key_hint",
    "latest_execution",
    "latest_project_session",
    "list_agent_rows",
    "list_api_keys",
    "list_conversations",
    "list_messages",
    "list_substeps",
    "list_user_projects",
    "project_artifact_stats",
    "recent_executions",
    "recent_in_progress",
    "record_substep",
    "record_usage",
    "usage_per_model_since",
    "replace_answers",
    "save_answer",
    "save_api_key",
    "session_artifacts",
    "session_project_id",
    "start_execution",
    "store_preferences",
    "stored_preferences",
    "upsert_agent",
]
