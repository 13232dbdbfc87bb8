"""RSA PKCS#1 v1.5 through pyca/cryptography."""

from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from .certificate import Certificate
from .errors import SignatureError

_HASHES = {"sha1": hashes.SHA1, "sha256": hashes.SHA256}


class RsaKey:
    """An RSA private key loaded once; ``sign`` is safe to call from several threads."""

    def __init__(self, pem: bytes, password: bytes | None = None) -> None:
        try:
            key = load_pem_private_key(pem, password)
        except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
            raise SignatureError(f"cannot read RSA private key: {exc}") from exc
        if not isinstance(key, rsa.RSAPrivateKey):
            raise SignatureError(f"the certificate holds an RSA key but the key file is {type(key).__name__}")
        self._key = key

    def sign(self, data: bytes) -> bytes:
        return self._key.sign(data, padding.PKCS1v15(), hashes.SHA1())


def verify(certificate: Certificate, data: bytes, signature: bytes, hash_name: str = "sha1") -> bool:
    try:
        _public_key(certificate.der).verify(signature, data, padding.PKCS1v15(), _HASHES[hash_name]())
    except InvalidSignature:
        return False
    return True


@lru_cache(maxsize=256)
def _public_key(certificate_der: bytes) -> rsa.RSAPublicKey:
    try:
        key = x509.load_der_x509_certificate(certificate_der).public_key()
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise SignatureError(f"cannot read the RSA public key of the certificate: {exc}") from exc
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureError("the certificate does not hold an RSA key")
    return key
