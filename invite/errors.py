"""One error type carries every user-facing failure to the CLI, which prints it in German."""

from __future__ import annotations

from dataclasses import dataclass

EXIT_OK = 0
EXIT_PROBLEMS = 1
EXIT_USAGE = 2


class InviteError(Exception):
    """A failure the user can act on; ``str()`` is the German message."""

    exit_code = EXIT_PROBLEMS

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class ConfigError(InviteError):
    """Settings, templates or options are wrong: nothing was done (exit 2)."""

    exit_code = EXIT_USAGE


class ProblemsFound(InviteError):
    """Problems in an input file: the CLI prints ``problems`` one per line under the message."""

    def __init__(self, message: str, problems: list[Problem]) -> None:
        super().__init__(message)
        self.problems = problems


@dataclass(frozen=True)
class Problem:
    """One finding in an input file, located as precisely as we can."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None

    def __str__(self) -> str:
        where = [self.file]
        if self.sheet:
            where.append(f"Blatt „{self.sheet}“")
        if self.row is not None:
            where.append(f"Zeile {self.row}")
        if self.column:
            where.append(f"Spalte „{self.column}“")
        return ", ".join(where) + ": " + self.message
