"""A short, readable sketch of a JSON schema for the model's instruction.

Why: the instruction used to carry the full JSON schema (titles, `$defs`, `"type":
"object"` …). For the bench's catalogue schema that is 173 tokens, and every JSON call
paid their prefill before its first token (~1.1 s on 2 cores): measured, the grammar
itself costs ~0.02 s; the schema text was the whole gap. Providers that constrain the
output (llama.cpp grammars, Ollama's `format`, OpenAI's `json_schema`) enforce the
schema anyway, so the model only needs the shape, names, limits and descriptions:

    {"shop": string, "products": [{"name": string, "price_yen": integer}]}
"""

from __future__ import annotations

import json
from typing import Any

_MAX_DEPTH = 8


def sketch(schema: dict[str, Any]) -> str:
    """The schema as one compact JSON-like line (field descriptions as `/* … */`)."""
    return _node(schema, schema.get("$defs", {}), 0)


def _node(node: dict[str, Any], defs: dict[str, Any], depth: int) -> str:
    if depth > _MAX_DEPTH:
        return "any"
    if "$ref" in node:
        target = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
        return _node(target, defs, depth + 1)
    if "const" in node:
        return json.dumps(node["const"], ensure_ascii=False)
    if "enum" in node:
        return " | ".join(json.dumps(v, ensure_ascii=False) for v in node["enum"])
    for key in ("anyOf", "oneOf"):
        if key in node:
            return " | ".join(_node(option, defs, depth + 1) for option in node[key])
    kind = node.get("type")
    if kind == "object" or "properties" in node:
        return _object(node, defs, depth)
    if kind == "array":
        item = _node(node.get("items", {}), defs, depth + 1)
        return f"[{item}, …]" + _limits(node, "minItems", "maxItems", "items")
    if kind == "string":
        pattern = f" matching {node['pattern']}" if "pattern" in node else ""
        return "string" + pattern + _limits(node, "minLength", "maxLength", "chars")
    if kind in ("integer", "number"):
        return str(kind) + _limits(node, "minimum", "maximum", "")
    if kind in ("boolean", "null"):
        return str(kind)
    return "any"


def _object(node: dict[str, Any], defs: dict[str, Any], depth: int) -> str:
    required = set(node.get("required", []))
    fields = []
    for name, prop in node.get("properties", {}).items():
        optional = "" if name in required else "?"
        text = f"{json.dumps(name, ensure_ascii=False)}{optional}: {_node(prop, defs, depth + 1)}"
        if prop.get("description"):
            text += f" /* {prop['description']} */"
        fields.append(text)
    return "{" + ", ".join(fields) + "}"


def _limits(node: dict[str, Any], low: str, high: str, unit: str) -> str:
    parts = []
    if low in node and (node[low] != 0 or not unit):  # "min 0" says nothing for lengths
        parts.append(f"min {node[low]}")
    if high in node:
        parts.append(f"max {node[high]}")
    if not parts:
        return ""
    return f" ({', '.join(parts)}{' ' + unit if unit else ''})"
