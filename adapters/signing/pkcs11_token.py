"""PKCS#11 port: private keys on a hardware token (UKey, HSM; SoftHSM2 in the tests), through python-pkcs11.

The key never leaves the token; signing and key unwrapping happen on it. RSA only: the tokens reachable
through standard PKCS#11 here (SoftHSM2) have no SM2 mechanisms.
"""

import threading
from functools import cache

from .errors import SignatureError, UnknownKeyError, UnsupportedAlgorithmError, WrongPassphraseError
from .keys import Scheme


@cache
def _library(module: str):  # noqa: ANN202 - pkcs11.lib, imported lazily (optional dependency)
    import pkcs11

    return pkcs11.lib(module)


class Pkcs11PrivateKey:
    """An RSA private key found by label on the token labelled ``token_label``; safe to share between threads."""

    key_type = "RSA"

    def __init__(self, module: str, token_label: str, pin: str, key_label: str) -> None:
        import pkcs11
        from pkcs11 import exceptions

        try:
            token = _library(module).get_token(token_label=token_label)
            self._session = _open(token, pin)
        except exceptions.PinIncorrect as error:
            raise WrongPassphraseError("令牌口令(PIN)错误", f"wrong PIN for token {token_label}") from error
        except (exceptions.NoSuchToken, exceptions.MultipleTokensReturned) as error:
            raise UnknownKeyError(f"找不到令牌 {token_label}", f"no single token labelled {token_label}") from error
        except (OSError, RuntimeError, exceptions.PKCS11Error) as error:
            raise SignatureError(f"cannot open PKCS#11 token {token_label}: {error!r}") from error
        try:
            self._key = self._session.get_key(object_class=pkcs11.ObjectClass.PRIVATE_KEY, label=key_label)
        except (exceptions.NoSuchKey, exceptions.MultipleObjectsReturned) as error:
            self._session.close()
            raise UnknownKeyError(f"令牌中没有密钥 {key_label}", f"no single key labelled {key_label}") from error
        self._lock = threading.Lock()

    def sign(self, data: bytes, scheme: Scheme) -> bytes:
        mechanism, parameter = _signing_mechanism(scheme)
        with self._lock:
            return bytes(self._key.sign(data, mechanism=mechanism, mechanism_param=parameter))

    def decrypt(self, ciphertext: bytes, oaep: bool) -> bytes:
        from pkcs11 import MGF, Mechanism, exceptions

        mechanism = Mechanism.RSA_PKCS_OAEP if oaep else Mechanism.RSA_PKCS
        parameter = (Mechanism.SHA256, MGF.SHA256, None) if oaep else None
        try:
            with self._lock:
                return bytes(self._key.decrypt(ciphertext, mechanism=mechanism, mechanism_param=parameter))
        except (exceptions.ArgumentsBad, exceptions.MechanismInvalid, exceptions.MechanismParamInvalid) as error:
            english = "the token cannot unwrap RSAES-OAEP with SHA-256 (SoftHSM2 knows SHA-1 only)"
            raise UnsupportedAlgorithmError("令牌不支持 OAEP-SHA256", english) from error

    def close(self) -> None:
        self._session.close()


def _open(token: object, pin: str) -> object:
    """A session logged in as the user; login is per application, so a second key finds it done already."""
    from pkcs11 import exceptions

    try:
        return token.open(user_pin=pin)
    except exceptions.UserAlreadyLoggedIn:
        return token.open()


def _signing_mechanism(scheme: Scheme) -> tuple[object, object]:
    from pkcs11 import MGF, Mechanism

    if scheme.key_type != "RSA":
        raise UnsupportedAlgorithmError("令牌不支持 SM2", "the PKCS#11 port signs with RSA only")
    if scheme.pss:
        return Mechanism.SHA256_RSA_PKCS_PSS, (Mechanism.SHA256, MGF.SHA256, 32)
    return {"sha1": Mechanism.SHA1_RSA_PKCS, "sha256": Mechanism.SHA256_RSA_PKCS}[scheme.hash_name], None
