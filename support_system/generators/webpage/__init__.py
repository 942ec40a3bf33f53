"""Web pages from tested Jinja2 layouts plus two model-written sentences."""

from support_system.generators.webpage.generator import WebpageGenerator

__all__ = ["WebpageGenerator"]
