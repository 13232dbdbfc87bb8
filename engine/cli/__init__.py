"""cbec: the platform's command line (P6), one module per command group; see ../shared/INTERFACES.md."""

from engine.cli.main import main as main
