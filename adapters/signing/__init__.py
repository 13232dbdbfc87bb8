"""Customs XML signature (加签 / 验签) of CEB messages, RSA-SHA1 or SM2-SM3 (NOTES.md §6).

Load a signer once with ``load_signer(key_pem, cert_pem)`` and share it between threads; call
``sign_bytes`` or ``sign_tree`` per message. ``verify_bytes`` / ``verify_tree`` return a Verification
whose ``reason`` names the first failed check. Errors in keys, certificates or input raise SignatureError.
"""

from .errors import SignatureError
from .identity import generate_identity
from .signer import Signer, load_signer
from .verify import Reason, Verification, verify_bytes, verify_tree

__all__ = [
    "Reason",
    "SignatureError",
    "Signer",
    "Verification",
    "generate_identity",
    "load_signer",
    "verify_bytes",
    "verify_tree",
]
