"""How bedflow's commands end on a user's mistake or a Ctrl-C: one line, a conventional exit code.

Kept apart (it imports nothing of bedflow) so the CLI, the sweeper plugin and the collector can
all end the same way without importing each other.
"""

from __future__ import annotations

import sys

EXIT_USAGE = 2  # a mistake in the command or the config, as argparse does
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a Ctrl-C


def fail(message: str, prog: str = "bedflow") -> None:
    """`prog: error: message` on stderr, exit 2."""
    print(f"{prog}: error: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def interrupted(prog: str = "bedflow") -> None:
    """`prog: interrupted` on stderr, exit 130."""
    print(f"{prog}: interrupted", file=sys.stderr)
    raise SystemExit(EXIT_INTERRUPTED)
