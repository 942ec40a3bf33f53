"""Round trips for every model, and what deleting a parent does to its children."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError, StatementError

from support_system.data.db import session_scope
from support_system.data.schema import (
    Agent,
    APIKey,
    Artifact,
    Conversation,
    Execution,
    ExecutionStatus,
    FeedbackRecord,
    Message,
    MessageType,
    Project,
    Role,
    Substep,
    UsageRecord,
    User,
    WizardSession,
    WizardStatus,
)

JST = timezone(timedelta(hours=9))


def _count(model: type) -> int:
    with session_scope() as session:
        return session.scalar(select(func.count()).select_from(model))


def _user(session, name: str = "alice") -> User:
    user = User(username=name, display_name=name.title(), role=Role.USER)
    session.add(user)
    session.flush()
    return user


def test_user_project_and_agent_round_trip(migrated_url: str) -> None:
    with session_scope() as session:
        user = _user(session)
        session.add(Project(owner=user, name="Bakery site", description="パン屋のページ"))
        agent = Agent(
            owner_id=user.id,
            name="Hana",
            description="friendly",
            gender="female",
            background="baker",
            personalities=["warm"],
            roles=["writer"],
            tones=["polite"],
            skills=["copy"],
            preferred_model="qwen2.5-coder-0.5b",
            language="ja",
            source_path="config/agents/system/hana.md",
        )
        session.add(agent)

    with session_scope() as session:
        user = session.scalars(select(User).where(User.username == "alice")).one()
        assert user.role is Role.USER and user.password_hash is None
        assert user.created_at.tzinfo is UTC
        assert [p.description for p in user.projects] == ["パン屋のページ"]
        agent = session.scalars(select(Agent)).one()
        assert (agent.personalities, agent.tones, agent.language) == (["warm"], ["polite"], "ja")
        assert agent.skills == ["copy"]


def test_agent_names_are_unique_per_owner_and_among_system_agents(migrated_url: str) -> None:
    with session_scope() as session:
        user = _user(session)
        session.add_all([Agent(name="Hana"), Agent(owner_id=user.id, name="Hana")])  # both fine
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(Agent(name="Hana"))  # a second system agent with the same name
    with pytest.raises(IntegrityError), session_scope() as session:
        session.add(Agent(owner_id=session.scalar(select(User.id)), name="Hana"))


def test_wizard_artifacts_executions_and_feedback_round_trip(migrated_url: str) -> None:
    started = datetime(2026, 1, 2, 12, 0, tzinfo=JST)
    with session_scope() as session:
        user = _user(session)
        wizard = WizardSession(
            user_id=user.id,
            job_id="webpage.shop",
            language="en",
            answers={"name": "Sun Bakery"},
            current_step=2,
        )
        session.add(wizard)
        session.flush()
        session.add(
            Artifact(
                session_id=wizard.id,
                kind="webpage",
                version=1,
                path="sites/sun/index.html",
                checks={"html": "ok", "axe": []},
                checks_passed=True,
            )
        )
        execution = Execution(
            session_id=wizard.id,
            kind="auto",
            goal="make the page",
            status=ExecutionStatus.RUNNING,
            started_at=started,
        )
        execution.substeps = [
            Substep(position=2, title="check", input={"a": 1}),
            Substep(
                position=1, title="plan", output={"steps": 2}, status=ExecutionStatus.COMPLETED
            ),
        ]
        session.add(execution)
        session.flush()
        session.add(
            FeedbackRecord(
                execution_id=execution.id,
                substep_id=execution.substeps[0].id,
                metrics={"valid_html": True},
                score=0.75,
                adjustments=["shorter"],
            )
        )

    with session_scope() as session:
        wizard = session.scalars(select(WizardSession)).one()
        assert wizard.status is WizardStatus.IN_PROGRESS and wizard.answers == {
            "name": "Sun Bakery"
        }
        artifact = session.scalars(select(Artifact)).one()
        assert artifact.checks_passed is True and artifact.checks["axe"] == []
        execution = session.scalars(select(Execution)).one()
        assert execution.started_at == started and execution.started_at.tzinfo is UTC
        assert [s.title for s in execution.substeps] == ["plan", "check"]  # ordered by position
        assert execution.substeps[1].input == {"a": 1} and execution.substeps[0].output == {
            "steps": 2
        }
        feedback = session.scalars(select(FeedbackRecord)).one()
        assert (feedback.score, feedback.adjustments) == (0.75, ["shorter"])

    with (
        pytest.raises(IntegrityError),
        session_scope() as session,
    ):  # one version number per session
        session.add(Artifact(session_id=wizard.id, kind="webpage", version=1, path="x"))


def test_conversation_messages_api_key_and_usage_round_trip(migrated_url: str) -> None:
    with session_scope() as session:
        user = _user(session)
        conversation = Conversation(user_id=user.id, title="Hello")
        conversation.messages = [
            Message(sender="user", content="こんにちは"),
            Message(sender="Hana", content="(joined)", type=MessageType.EVENT),
        ]
        session.add(conversation)
        session.add(
            APIKey(
                user_id=user.id, provider="openai", encrypted_key="gAAAA-token", key_hint="…abcd"
            )
        )
        session.add(
            UsageRecord(
                user_id=user.id,
                model="m",
                provider="embedded",
                tokens_in=5,
                tokens_out=7,
                latency_ms=120,
                cost=0.0,
                cache_hit=False,
                status="ok",
            )
        )

    with session_scope() as session:
        messages = session.scalars(select(Message).order_by(Message.id)).all()
        assert [(m.sender, m.content, m.type) for m in messages] == [
            ("user", "こんにちは", MessageType.TEXT),
            ("Hana", "(joined)", MessageType.EVENT),
        ]
        key = session.scalars(select(APIKey)).one()
        assert "gAAAA-token" not in repr(key) and "…abcd" in repr(key)
        usage = session.scalars(select(UsageRecord)).one()
        assert (usage.purpose, usage.status, usage.first_token_ms) == ("chat", "ok", None)


def test_deleting_a_user_removes_what_belongs_to_them(migrated_url: str) -> None:
    with session_scope() as session:
        user, other = _user(session), _user(session, "bob")
        project = Project(owner_id=user.id, name="p")
        session.add(project)
        session.flush()
        wizard = WizardSession(user_id=user.id, project_id=project.id, job_id="j", language="ja")
        session.add(wizard)
        session.flush()
        session.add_all(
            [
                Artifact(project_id=project.id, session_id=wizard.id, kind="webpage", path="a"),
                Execution(project_id=project.id, kind="auto"),
                Agent(owner_id=user.id, name="mine"),
                Conversation(user_id=user.id, messages=[Message(sender="user", content="hi")]),
                APIKey(user_id=user.id, provider="openai", encrypted_key="t", key_hint="…"),
                UsageRecord(user_id=user.id, model="m", provider="p"),
                Conversation(user_id=other.id, title="bob's"),
            ]
        )

    with session_scope() as session:
        session.delete(session.get(User, user.id))

    for model in (Project, WizardSession, Artifact, Execution, Agent, Message, APIKey):
        assert _count(model) == 0, model.__name__
    with session_scope() as session:
        assert session.scalars(select(Conversation.title)).all() == ["bob's"]
        assert session.scalars(select(UsageRecord.user_id)).all() == [None]  # kept for accounting


def test_deleting_parents_cascades_or_unlinks(migrated_url: str) -> None:
    with session_scope() as session:
        user = _user(session)
        agent = Agent(name="Hana")
        wizard = WizardSession(user_id=user.id, job_id="j", language="ja")
        session.add_all([agent, wizard])
        session.flush()
        execution = Execution(
            session_id=wizard.id, kind="auto", substeps=[Substep(position=1, title="t")]
        )
        session.add_all(
            [
                execution,
                Conversation(user_id=user.id, agent_id=agent.id),
                Artifact(session_id=wizard.id, kind="webpage", path="a"),
            ]
        )
        session.flush()
        session.add(FeedbackRecord(execution_id=execution.id, substep_id=execution.substeps[0].id))

    with session_scope() as session:  # a wizard session's artifacts go; its execution history stays
        session.delete(session.get(WizardSession, wizard.id))
    assert _count(Artifact) == 0
    with session_scope() as session:
        assert session.get(Execution, execution.id).session_id is None

    with session_scope() as session:  # an agent's conversations stay, unlinked
        session.delete(session.get(Agent, agent.id))
    with session_scope() as session:
        assert session.scalars(select(Conversation.agent_id)).all() == [None]

    with session_scope() as session:  # an execution's substeps and feedback go with it
        session.delete(session.get(Execution, execution.id))
    assert (_count(Substep), _count(FeedbackRecord)) == (0, 0)


def test_naive_datetimes_are_rejected(migrated_url: str) -> None:
    with pytest.raises(StatementError, match="naive datetime"), session_scope() as session:
        session.add(Execution(kind="auto", started_at=datetime(2026, 1, 1, 9, 0)))
        session.flush()
