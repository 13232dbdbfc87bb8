"""File-level signing and verification behind ``cbec sign`` and ``cbec verify``."""

import os
import tempfile
from pathlib import Path

from .signer import load_signer
from .verify import Verification, verify_bytes


def sign_file(key: str | Path, cert: str | Path, src: str | Path, dst: str | Path) -> None:
    """Sign the CEB message in ``src`` with the PEM key and certificate; write it to ``dst`` atomically.

    ``dst`` may equal ``src``. Raises SignatureError for unusable keys, certificates or documents.
    """
    signed = load_signer(key, cert).sign_bytes(Path(src).read_bytes())
    _write_atomically(Path(dst), signed)


def verify_file(path: str | Path) -> Verification:
    """Verify the ds:Signature of the CEB message in ``path``."""
    return verify_bytes(Path(path).read_bytes())


def _write_atomically(path: Path, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise
