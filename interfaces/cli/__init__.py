"""The ``unionflow`` command line: parses input, calls services, renders. No rules here.

One module per command group, each registered on the root app in ``root``; the
plumbing they share (building the App, refusals, reaching Temporal) is in ``_common``.
"""

from interfaces.cli.root import app, main

__all__ = ["app", "main"]
