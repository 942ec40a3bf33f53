"""Projects: a person's named piece of work, holding wizard passes and their artifacts."""

from __future__ import annotations

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from support_system.data.schema import Artifact, Project, WizardSession


def create_project_row(session: Session, owner_id: int, name: str) -> Project:
    """A new project (its id is set; nothing else is created)."""
    project = Project(owner_id=owner_id, name=name)
    session.add(project)
    session.flush()
    return project


def get_project(session: Session, project_id: int) -> Project | None:
    """The project with this id, or None."""
    return session.get(Project, project_id)


def list_user_projects(session: Session, owner_id: int) -> list[Project]:
    """Every project of the person, in no particular order."""
    return list(session.scalars(select(Project).where(Project.owner_id == owner_id)))


def delete_project_row(session: Session, project_id: int) -> None:
    """Delete the project; its sessions, artifacts and executions go by ON DELETE CASCADE."""
    session.execute(delete(Project).where(Project.id == project_id))


def latest_project_session(session: Session, project_id: int) -> WizardSession | None:
    """The project's newest wizard pass (the one to continue), or None."""
    return session.scalars(
        select(WizardSession)
        .where(WizardSession.project_id == project_id)
        .order_by(WizardSession.created_at.desc(), WizardSession.id.desc())
        .limit(1)
    ).first()


def session_project_id(session: Session, wizard_session_id: int) -> int | None:
    """The project a wizard pass belongs to; None when it has none or does not exist."""
    return session.scalar(
        select(WizardSession.project_id).where(WizardSession.id == wizard_session_id)
    )


def project_artifact_stats(session: Session, project_id: int) -> tuple[int, bool | None]:
    """(how many artifacts the project has, whether the newest passed its checks or None).

    Artifacts recorded against one of the project's wizard passes only count too.
    """
    owned = or_(
        Artifact.project_id == project_id,
        Artifact.session_id.in_(
            select(WizardSession.id).where(WizardSession.project_id == project_id)
        ),
    )
    count = session.scalar(select(func.count()).select_from(Artifact).where(owned)) or 0
    last_ok = session.scalar(
        select(Artifact.checks_passed)
        .where(owned)
        .order_by(Artifact.created_at.desc(), Artifact.id.desc())
        .limit(1)
    )
    return int(count), None if last_ok is None else bool(last_ok)
