"""`cbec verify`: which verification a file needs, and the service that trusts what the command line says.

The command needs no passphrase: it reads certificates of the key store, never its private keys. It trusts the key
store of the data folder (keys not revoked, valid when they signed), the enterprise certificates registered in the
data folder (``<data>/keys/*/cert.pem``: what customs checks a message against), ``CBEC_SIGNER_TRUST_DIR`` and each
``--trust`` certificate or folder (CA certificates or a signer's own, with CRLs): never a certificate only because
the signature carries it.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Sequence
from pathlib import Path

from adapters import ceb
from adapters.ceb.model import CEB_NS
from adapters.ceb.xmlio import parse_xml
from adapters.signing import der
from adapters.signing.errors import SignatureError
from adapters.signing.keystore import KeyStore
from adapters.signing.trust import TrustList
from adapters.signing.verify import Reason, Verification
from engine.signing.service import SigningService, keystore_dir

_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")


def _no_passphrase(enterprise: str) -> bytes:
    raise SignatureError(f"cbec verify reads certificates only, never the private keys of {enterprise}")


def verifier(data_dir: Path, trust: Sequence[str] = (), env: dict[str, str] | None = None) -> SigningService:
    """The signing service over the data folder's key store, read-only, with the trust list the command line and
    the environment give; ValueError (zh and en) naming a ``--trust`` path that is not there."""
    env = dict(os.environ) if env is None else env
    missing = [path for path in trust if not Path(path).exists()]
    if missing:
        raise ValueError(f"--trust 路径不存在 path not found: {', '.join(missing)}")
    paths = [Path(path) for path in trust] + sorted((data_dir / "keys").glob("*/cert.pem"))
    paths += sorted(keystore_dir({**env, "CBEC_DATA_DIR": str(data_dir)}).glob("*/*/cert.pem"))  # #17: keys moved
    if env.get("CBEC_SIGNER_TRUST_DIR"):
        paths.append(Path(env["CBEC_SIGNER_TRUST_DIR"]))
    mode = env.get("CBEC_SIGNER_TRUST_REVOCATION") or "soft-fail"
    store = KeyStore(keystore_dir({**env, "CBEC_DATA_DIR": str(data_dir)}), _no_passphrase)
    return SigningService(store, trust_list=TrustList(paths, mode) if paths else None)


def verify_any(service: SigningService, data: bytes, content: bytes | None = None) -> Verification:
    """Verify ``data`` by what it is: a PDF, a signed QR text, CMS (DER or PEM), a customs message (bare or in its
    DXP envelope) or any other XML signature."""
    if data.startswith(b"%PDF"):
        return service.verify_pdf(data)
    text = data.strip()
    if _JWS.match(text.decode("ascii", "replace")):
        return service.verify_qr(text.decode("ascii"))
    if text.startswith(b"<"):
        return _verify_xml(service, data, content)
    cms = _cms(data)
    if cms is not None:
        return service.verify_cms(cms, content)
    return Verification(False, Reason.DOCUMENT_UNREADABLE, None, None,
                        "neither XML, CMS, a PDF nor a signed QR text")  # fmt: skip


def _verify_xml(service: SigningService, data: bytes, content: bytes | None) -> Verification:
    try:
        if ceb.is_dxp(data):
            _, data = ceb.unwrap_dxp(data)
        customs = parse_xml(data).tag.startswith(f"{{{CEB_NS}}}")
    except ceb.CodecError as error:
        return Verification(False, Reason.DOCUMENT_UNREADABLE, None, None, str(error))
    return service.verify_customs_xml(data) if customs else service.verify_xml(data, content)


def _cms(data: bytes) -> bytes | None:
    """The DER of a CMS signature given as DER or PEM (PKCS7 or CMS label); None when it is neither."""
    blocks = [body for label, body in der.pem_blocks(data) if label in ("PKCS7", "CMS")]
    if blocks:
        return blocks[0]
    if data[:1] == b"\x30":
        return data
    try:
        decoded = base64.b64decode(data, validate=False)
    except (binascii.Error, ValueError):
        return None
    return decoded if decoded[:1] == b"\x30" else None
