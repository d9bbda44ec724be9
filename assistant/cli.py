"""The `assistant` command line. Each command group lives in its own module; heavy imports stay inside commands."""

from __future__ import annotations

import typer

from assistant.demo_cli import demo
from assistant.extract_cli import extract
from assistant.models.cli import app as models_app
from assistant.replay_cli import replay
from assistant.serve_cli import listen, serve, stream
from assistant.templates.cli import app as templates_app
from assistant.transcribe_cli import transcribe

app = typer.Typer(
    name="assistant",
    help="12345 热线话务助手: live speech-to-ticket assistant for the Guangzhou 12345 hotline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(models_app, name="models", help="List, verify and fetch the models the product uses.")
app.add_typer(templates_app, name="templates", help="The record-template catalogue (诉求记录模板).")
app.command("transcribe")(transcribe)
app.command("extract")(extract)
app.command("demo")(demo)
app.command("serve")(serve)
app.command("stream")(stream)
app.command("listen")(listen)
app.command("replay")(replay)


def main() -> None:
    app()
