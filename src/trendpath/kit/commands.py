"""What every ``trendpath`` sub-command shares: settings, a runtime, and one error convention.

Exit codes, the same in every sub-command (``trendpath run``, ``trends``, ``forecast``, ``news``,
``llm``):

* ``0`` — the work was done;
* ``1`` — the command ran and its work failed or found problems (a source whose every request
  failed, rejected CSV rows, a model that fails its gate, a dataset that fails its checks);
* ``2`` — the command could not start: a bad argument, setting, config file or missing path.

One command adds a code: ``trendpath trends collect`` exits ``3`` when nothing failed outright
but some trends of a source got no value (a partial collection, see docs/sources.md).

Errors are one line on stderr, never a traceback. Services' CLI modules import these helpers
from here, never from the launcher (``trendpath.cli``), which only mounts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError

from trendpath.kit.errors import ConfigError
from trendpath.kit.logs import configure_logging
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

USAGE_ERROR = 2
WORK_FAILED = 1


def fail(message: str, code: int = USAGE_ERROR) -> typer.Exit:
    """Print one clear line to stderr and return the exit to raise (default: usage error, 2)."""
    typer.secho(f"error: {message}", fg=typer.colors.RED, err=True)
    return typer.Exit(code)


def work_failed(message: str) -> typer.Exit:
    """Print one clear line to stderr and return exit 1: the command ran, its work failed."""
    return fail(message, WORK_FAILED)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment plus command-line overrides, or a one-line error."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        if not field:
            raise fail(f"invalid settings: {message}") from None
        raise fail(f"invalid setting TRENDPATH_{field.upper()}: {message}") from None


@contextmanager
def clear_errors() -> Iterator[None]:
    """Turn ConfigError into one line on stderr and exit code 2, never a traceback."""
    try:
        yield
    except ConfigError as exc:
        raise fail(str(exc)) from None


def open_for_command(settings: Settings, name: str) -> Runtime:
    """A runtime for a one-off command, with the schema at the latest migration.

    The embedded database is migrated on the spot; an external one must be migrated on purpose
    (`trendpath migrate`), so a command never changes a shared schema by surprise.
    """
    from trendpath.kit.migrate import at_head, upgrade
    from trendpath.kit.runtime import open_runtime

    runtime = open_runtime(settings, name=name)
    try:
        if settings.embedded:
            upgrade(runtime.db)
        else:
            with runtime.db.engine.connect() as conn:
                if not at_head(conn):
                    raise ConfigError(
                        "the database schema is not at the latest migration",
                        hint="run `trendpath migrate` first",
                    )
    except BaseException:
        runtime.close()
        raise
    return runtime


@contextmanager
def command_runtime(name: str, *, at_head: bool = True) -> Iterator[Runtime]:
    """Settings, logging and a runtime for a one-off command; errors become one clear line.

    With ``at_head`` the schema must be current (the embedded database is migrated on the spot).
    """
    from trendpath.kit.runtime import open_runtime

    settings = load_settings()
    configure_logging(settings.log_level, settings.log_json)
    with clear_errors():
        runtime = open_for_command(settings, name) if at_head else open_runtime(settings, name=name)
    try:
        with clear_errors():
            yield runtime
    finally:
        runtime.close()
