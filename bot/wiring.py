"""The composition root: what the bot is made of, in the order it takes effect.

CLI_COMMANDS: the features' `wijkbot` sub-commands, in the order `wijkbot --help` lists them
(after the built-in run, check-config, migrate, invite and demo of bot/cli/wijkbot.py).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bot.cli import digest as digest_cli
from bot.cli import grouping as grouping_cli
from bot.cli import roles as roles_cli
from bot.cli import spiegel as spiegel_cli

Configure = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], int]

# --- the command line ------------------------------------------------------------------------

# (name, configure its parser, run it); bot/cli/wijkbot.py adds them after its own.
CLI_COMMANDS: tuple[tuple[str, Configure, Run], ...] = (
    ("group", grouping_cli.configure, grouping_cli.run),
    ("import-spiegel", spiegel_cli.configure, spiegel_cli.run),
    ("digest", digest_cli.configure, digest_cli.run),
    ("roles", roles_cli.configure_roles, roles_cli.run_roles),
    ("revoke", roles_cli.configure_revoke, roles_cli.run_revoke),
)
