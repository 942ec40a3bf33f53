"""The JSON instruction's schema sketch keeps every name, type, limit and description."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from support_system.ai.prompts import render
from support_system.ai.schema_sketch import sketch


class Product(BaseModel):
    name: str = Field(min_length=1, max_length=40)
    price_yen: int = Field(ge=0, description="Price including tax")


class Shop(BaseModel):
    shop: str
    kind: Literal["bakery", "cafe"]
    products: list[Product] = Field(max_length=5)
    note: str | None = None
    colour: str = Field(pattern=r"^#[0-9a-f]{6}$")
    open: bool


def test_a_nested_schema_becomes_one_readable_line() -> None:
    text = sketch(Shop.model_json_schema())
    assert text == (
        '{"shop": string, "kind": "bakery" | "cafe", '
        '"products": [{"name": string (min 1, max 40 chars), '
        '"price_yen": integer (min 0) /* Price including tax */}, …] (max 5 items), '
        '"note"?: string | null, "colour": string matching ^#[0-9a-f]{6}$, "open": boolean}'
    )


def test_the_sketch_is_much_shorter_than_the_schema() -> None:
    import json

    schema = Shop.model_json_schema()
    assert len(sketch(schema)) < len(json.dumps(schema)) / 2


def test_aliases_are_the_names_the_model_must_write() -> None:
    class Answers(BaseModel):
        q_name: str | None = Field(..., alias="name")

    assert sketch(Answers.model_json_schema()) == '{"name": string | null}'


def test_the_instruction_carries_the_sketch() -> None:
    text = render("models/json_instruction", schema=sketch(Product.model_json_schema()))
    assert text.startswith("Reply with JSON only")
    assert '"price_yen": integer' in text
