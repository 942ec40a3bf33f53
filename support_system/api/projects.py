"""Projects over the API: a person's named pieces of work, each visible to its owner only
(admins see all). Another person's project answers 404, exactly like a missing one."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from support_system.accounts import audit
from support_system.accounts.principal import Principal
from support_system.api.deps import Client, Reader, Writer, owned
from support_system.api.models import Id, ProjectIn, ProjectOut, ProjectPatch
from support_system.data import repositories as repo
from support_system.data.db import Session, session_scope
from support_system.data.repositories import api_queries
from support_system.data.schema import Project
from support_system.jobs.errors import ProjectNameInvalid

MAX_NAME_LENGTH = 200  # the width of `Project.name`, as the schema allows

router = APIRouter(prefix="/api/projects", tags=["projects"])


def _name(name: str) -> str:
    """The name as shown in lists: trimmed, and never only spaces."""
    cleaned = name.strip()
    if not cleaned:
        raise ProjectNameInvalid("blank project name", max=MAX_NAME_LENGTH)
    return cleaned


def owned_project(session: Session, caller: Principal, project_id: int) -> Project:
    """The project if the caller may see it; NotFound otherwise (also for others')."""
    project = repo.get_project(session, project_id)
    owned(caller, project.owner_id if project else None, f"project {project_id}")
    assert project is not None
    return project


@router.get("", response_model=list[ProjectOut])
def list_projects(caller: Reader) -> list[ProjectOut]:
    """The caller's projects (an admin's list holds everyone's)."""
    with session_scope() as session:
        owner = None if caller.is_admin else caller.user_id
        rows = api_queries.list_projects_for(session, owner)
        return [ProjectOut.model_validate(row) for row in rows]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ProjectOut)
def create_project(body: ProjectIn, caller: Writer) -> ProjectOut:
    """A new, empty project owned by the caller."""
    with session_scope() as session:
        project = repo.create_project_row(session, caller.user_id, _name(body.name))
        project.description = body.description
        session.flush()
        return ProjectOut.model_validate(project)


@router.get("/{project_id}", response_model=ProjectOut)
def get_project(project_id: Id, caller: Reader) -> ProjectOut:
    with session_scope() as session:
        return ProjectOut.model_validate(owned_project(session, caller, project_id))


@router.patch("/{project_id}", response_model=ProjectOut)
def update_project(project_id: Id, body: ProjectPatch, caller: Writer) -> ProjectOut:
    """Rename or re-describe a project; fields left out stay as they are."""
    with session_scope() as session:
        project = owned_project(session, caller, project_id)
        name = None if body.name is None else _name(body.name)
        api_queries.update_project_row(session, project, name=name, description=body.description)
        return ProjectOut.model_validate(project)


@router.delete("/{project_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_project(project_id: Id, caller: Writer, client: Client) -> Response:
    """Delete a project with its task agents, runs, artifacts and files (audited)."""
    from support_system.jobs import workspace

    with session_scope() as session:
        owned_project(session, caller, project_id)
    workspace.delete_project(project_id)
    audit.record(
        "delete",
        actor_id=caller.user_id,
        actor=caller.username,
        target=f"project {project_id}",
        client=client,
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
