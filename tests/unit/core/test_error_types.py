"""Every error the package defines is a translated SupportSystemError in an errors.py.

Pages and the CLI catch `SupportSystemError` and show `error.message(lang)`; an error
class that is not one (a bare LookupError, say) would reach a person as a traceback, and
one without a message in each language would show its key. Keeping them in one
`errors.py` per package makes them easy to find.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest

import support_system
from support_system.core.errors import SupportSystemError
from support_system.core.i18n import catalogue
from support_system.core.languages import LANGUAGES


def _modules() -> list[str]:
    names = [support_system.__name__]
    for info in pkgutil.walk_packages(support_system.__path__, f"{support_system.__name__}."):
        if ".migrations" not in info.name and not info.name.endswith("__main__"):
            names.append(info.name)
    return names


def _defined_exceptions() -> list[type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for name in _modules():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, BaseException) and cls.__module__ == name:
                found[f"{name}.{cls.__name__}"] = cls
    return sorted(found.values(), key=lambda c: f"{c.__module__}.{c.__qualname__}")


EXCEPTIONS = _defined_exceptions()


def test_errors_are_found() -> None:
    assert len(EXCEPTIONS) > 40


@pytest.mark.parametrize("cls", EXCEPTIONS, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_each_error_is_translated_and_lives_in_an_errors_module(cls: type[BaseException]) -> None:
    assert issubclass(cls, SupportSystemError), "pages would miss it: not a SupportSystemError"
    assert cls.__module__.endswith(".errors"), f"defined in {cls.__module__}, not an errors.py"
    for lang in LANGUAGES:
        assert cls.message_key in catalogue(lang), f"{cls.message_key} has no {lang} message"
