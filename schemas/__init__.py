"""The customs material the platform ships as package data: the official XSDs (xsd/) and sample messages (samples/)."""

from importlib.resources import files
from pathlib import Path

#: the official sample messages of the 202205 edition, in ``import/`` and ``export/`` (see samples/README.md)
SAMPLES = Path(str(files(__name__) / "samples" / "202205"))


def sample(direction: str, name: str) -> Path:
    """One official sample message, e.g. ``sample("import", "CEB311Message.xml")``."""
    return SAMPLES / direction / name
