"""`assistant models check|fetch|path`."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(no_args_is_help=True)
console = Console(width=None if Console().is_terminal else 160)


@app.command("check")
def check(name: list[str] = typer.Argument(None, help="models to check (default: all)")) -> None:
    """List every model the product uses, where it was found, and verify its sha256."""
    from assistant.models.registry import REGISTRY, check_model, search_path

    table = Table(title="模型 (search path: " + " : ".join(str(p) for p in search_path()) + ")")
    for col in ("model", "role", "status", "path", "detail"):
        table.add_column(col)
    failed = False
    for n in name or list(REGISTRY):
        spec = REGISTRY.get(n)
        if spec is None:
            raise typer.BadParameter(f"unknown model {n!r}")
        r = check_model(n)
        colour = {"ok": "green", "unverified": "yellow", "missing": "yellow" if spec.optional else "red",
                  "mismatch": "red"}[r.status]
        failed |= r.status == "mismatch" or (r.status == "missing" and not spec.optional)
        table.add_row(n, spec.role, f"[{colour}]{r.status}[/]", str(r.path or "-"), r.detail)
    console.print(table)
    raise typer.Exit(1 if failed else 0)


@app.command("fetch")
def fetch(name: str = typer.Argument(..., help="model name, see `assistant models check`")) -> None:
    """Download a model from its official source into the project's model cache, with checksum verification."""
    from assistant.models.fetch import FetchError
    from assistant.models.fetch import fetch as do_fetch

    try:
        path = do_fetch(name)
    except (FetchError, LookupError) as exc:
        console.print(f"[red]fetch failed:[/] {exc}")
        raise typer.Exit(2) from None
    console.print(f"[green]{name}[/] ready in {path}")


@app.command("path")
def path(name: str) -> None:
    """Print the directory a model is loaded from."""
    from assistant.models.registry import ModelNotFound, find_model

    try:
        print(find_model(name))
    except ModelNotFound as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(1) from None
