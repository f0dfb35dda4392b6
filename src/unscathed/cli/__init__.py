"""The command line: ``unscathed <stage>``, one thin subcommand per pipeline stage, one file per verb.

argparse lives here and nowhere else, so every library module can be used from a notebook without it.
"""

from .main import CLIError, build_parser, main

__all__ = ["CLIError", "build_parser", "main"]
