"""A build's progress for a person: on a terminal a rich progress bar (units compiled of the total, read
from ninja's ``[N/M]`` lines, and the time elapsed); in a pipe one line per stage. Nothing decides here."""

from __future__ import annotations

from typing import IO, Any, Callable, List

from ..install.buildlog import BuildProgress

__all__ = ["build_reporter", "minutes"]


def minutes(seconds: float) -> str:
    """``1 h 02 min``, ``3 min 05 s``, ``12 s``."""
    whole = int(seconds + 0.5)
    if whole >= 3600:
        return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
    if whole >= 60:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole} s"


def build_reporter(what: str, file: IO[str], terminal: bool, prog: str = "mmcompat"
                   ) -> Callable[[BuildProgress], None]:
    """A callback for :func:`compat.install.buildlog.run_logged` that shows the build of ``what``."""
    return _rich_reporter(what, file) if terminal else _line_reporter(what, file, prog)


def _line_reporter(what: str, file: IO[str], prog: str) -> Callable[[BuildProgress], None]:
    said: List[str] = []

    def report(event: BuildProgress) -> None:
        if event.stage == "start":
            file.write(f"{prog}: building {what}; the whole build log: {event.line}\n")
        elif event.stage == "compile" and "compiling" not in said:
            said.append("compiling")
            file.write(f"{prog}: building {what}: compiling {event.total} units\n")
        elif event.stage == "compile" and event.done == event.total and "compiled" not in said:
            said.append("compiled")
            file.write(f"{prog}: building {what}: {event.total} units compiled in {minutes(event.elapsed)}; "
                       "linking and packing the wheel\n")
        elif event.stage in ("end", "failed"):
            outcome = "done" if event.stage == "end" else "failed"
            file.write(f"{prog}: building {what}: {outcome} after {minutes(event.elapsed)}\n")
        file.flush()

    return report


def _rich_reporter(what: str, file: IO[str]) -> Callable[[BuildProgress], None]:
    from rich.console import Console  # only a terminal pays for rich
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(file=file)
    bar = Progress(TextColumn("[bold]building {task.fields[what]}"), BarColumn(), MofNCompleteColumn(),
                   TextColumn("units"), TimeElapsedColumn(), console=console, transient=False)
    task: List[Any] = []

    def report(event: BuildProgress) -> None:
        if event.stage == "start":
            console.print(f"the whole build log: {event.line}", highlight=False)
            bar.start()
            task.append(bar.add_task("build", total=None, what=what))
        elif event.stage == "compile" and task:
            bar.update(task[0], total=event.total, completed=event.done)
        elif event.stage in ("end", "failed"):
            bar.stop()
            outcome = "done" if event.stage == "end" else "[red]failed[/red]"
            console.print(f"building {what}: {outcome} after {minutes(event.elapsed)}", highlight=False)

    return report

