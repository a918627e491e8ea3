import click

from .runner import run_app


@click.group()
def main() -> None:
    """The developer's tool."""


@main.command()
@click.argument("import_name")
def run(import_name: str) -> None:
    run_app(import_name, port=8080)
