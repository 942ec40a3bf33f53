"""`chat`: ask the assistant once, or talk with an agent in a saved conversation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from support_system.cli.common import Lang, reports_errors, resolve_language, stop
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t

if TYPE_CHECKING:
    from support_system.agents.dialog import DialogReply


@reports_errors
def chat(
    text: Annotated[str, typer.Argument(help="What to ask.")],
    agent: Annotated[
        str | None, typer.Option(help="Talk with this agent (see the Agents page).")
    ] = None,
    conversation: Annotated[
        int | None, typer.Option(help="Continue this conversation (its id is printed each time).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Registry name (default: settings).")] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer in tokens.")] = 512,
    lang: Lang = None,
) -> None:
    """Ask the assistant once, or an agent (--agent, --conversation); the answer streams to
    the terminal. With an agent the conversation is saved and its id printed to stderr."""
    language = resolve_language(lang)
    if agent is None and conversation is None:
        from support_system.agents.quick_chat import quick_chat

        try:
            stream = quick_chat(text, language=language, model=model, max_tokens=max_tokens)
            for piece in stream:
                typer.echo(piece, nl=False)
        finally:
            typer.echo()  # end the answer's line, also before an error message
        return
    from support_system.agents.dialog import chat as dialog_chat
    from support_system.agents.errors import ConversationNotFound

    reply: DialogReply | None = None
    try:
        reply = dialog_chat(
            text,
            language=language,
            agent=agent,
            conversation_id=conversation,
            model=model,
            max_tokens=max_tokens,
        )
        for piece in reply:
            typer.echo(piece, nl=False)
        typer.echo()
    except ConversationNotFound:
        stop(t("cli.chat_no_conversation", language, id=conversation))
    except SupportSystemError:  # reports_errors shows the message after these lines
        typer.echo()
        if reply is not None:  # the message (and any partial reply) was saved: say where
            typer.echo(t("cli.chat_conversation", language, id=reply.conversation_id), err=True)
        raise
    typer.echo(t("cli.chat_conversation", language, id=reply.conversation_id), err=True)
