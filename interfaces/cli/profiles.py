"""``unionflow profiles``: the rule profiles."""

from __future__ import annotations

import json

import typer

from interfaces.cli._common import console, err, open_app

app = typer.Typer(help="规则配置 / rule profiles", no_args_is_help=True)


@app.command("list")
def profiles_list() -> None:
    """可用的规则配置 / available rule profiles."""
    application = open_app()
    try:
        for name in application.profiles.names():
            profile = application.profiles.load(name)
            console.print(f"{name}\t{profile.title}\t{profile.fingerprint()[:16]}")
    finally:
        application.close()


@app.command("show")
def profiles_show(name: str = typer.Argument("national")) -> None:
    """显示规则配置（合并后） / show a merged profile."""
    application = open_app()
    try:
        profile = application.profiles.load(name)
    except Exception as e:
        err.print(f"[red]{e}[/]")
        raise typer.Exit(2) from e
    finally:
        application.close()
    console.print_json(json.dumps(profile.model_dump(mode="json"), ensure_ascii=False))
