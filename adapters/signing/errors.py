class SignatureError(Exception):
    """A key, certificate or document cannot be used for the customs signature (加签)."""


class SigningError(SignatureError):
    """A refused signing request: a stable ``code`` for programs, a Chinese and an English message for people.

    Hierarchy: SignatureError > SigningError > UnknownKeyError, WrongPassphraseError, CertificateExpiredError,
    CertificateNotYetValidError, UnsupportedAlgorithmError, InvalidInputError, NotARecipientError,
    EnvelopeTamperedError.
    """

    code = "signing-error"

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.zh, self.en = zh, en


class UnknownKeyError(SigningError):
    code = "unknown-key"


class WrongPassphraseError(SigningError):
    code = "wrong-passphrase"


class CertificateExpiredError(SigningError):
    code = "certificate-expired"


class CertificateNotYetValidError(SigningError):
    code = "certificate-not-yet-valid"


class UnsupportedAlgorithmError(SigningError):
    code = "unsupported-algorithm"


class InvalidInputError(SigningError):
    code = "invalid-input"


class NotARecipientError(SigningError):
    code = "not-a-recipient"


class EnvelopeTamperedError(SigningError):
    """A digital envelope whose authentication tag (GCM) or padding (CBC) shows it was changed after it was made:
    refused rather than handing out content nobody sent (#17 item 6)."""

    code = "envelope-tampered"
    field = "envelope"  # the request field refused, for the API's answer


class KeyRevokedError(SigningError):
    code = "key-revoked"
