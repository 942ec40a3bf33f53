"""Agents: the people-like assistants a person talks to.

- `definitions`: an agent file (Markdown + YAML front matter) and its checks;
- `library`: system and per-user agents, their files and the `Agent` index;
- `prompting`: system prompt by role and tone, token-budgeted history, knowledge hook;
- `dialog`: streaming, persisted conversations with an agent;
- `handover`: from a conversation to the wizard, with the answers it gave filled in;
- `quick_chat`: the home page's one-box chat with the default assistant;
- `auto`: auto mode (plan → act → evaluate → adjust, checkpointed) and hybrid mode.
"""
