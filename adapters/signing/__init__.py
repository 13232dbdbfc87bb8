"""Customs XML signature (加签 / 验签) of CEB messages, RSA-SHA1 or SM2-SM3 (NOTES.md §6).

Load a signer once with ``load_signer(key_pem, cert_pem)`` and share it between threads; call
``sign_bytes`` or ``sign_tree`` per message. ``verify_bytes`` / ``verify_tree`` return a Verification
whose ``reason`` names the first failed check. Errors in keys, certificates or input raise SignatureError.

The rest of the signing service (issue 8) lives in sibling modules: ``keystore`` (keys per enterprise,
encrypted at rest, rotation, expiry warnings), ``keys`` (schemes, key handles), ``pkcs11_token``,
``cms_signed``, ``cms_enveloped`` (RSA and SM2 recipients), ``dsig``/``dsig_verify`` (generic XMLDSig), ``qr``,
``pdf_seal`` (RSA and SM2), ``native`` (batch verification and SM2 batch signing in C, compiled at first use);
engine.signing.service.SigningService ties them together. Refusals raise SigningError subclasses with a stable code.
"""

from .errors import SignatureError, SigningError
from .identity import generate_identity
from .signer import Signer, load_signer
from .verify import Reason, Verification, verify_bytes, verify_tree

__all__ = [
    "Reason",
    "SignatureError",
    "SigningError",
    "Signer",
    "Verification",
    "generate_identity",
    "load_signer",
    "verify_bytes",
    "verify_tree",
]
