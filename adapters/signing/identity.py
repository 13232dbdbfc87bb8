"""Throwaway signing identities (private key + self-signed certificate) for tests and demos."""

import datetime
import os
import re
import secrets
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from .errors import InvalidInputError, SignatureError
from .sm2_openssl import SM2_ID

DEFAULT_COMMON_NAME = "CBEC 测试企业 Test Enterprise"
_VALID_DAYS = 3650
_OPENSSL_CONFIG = """[req]
distinguished_name = dn
x509_extensions = ext
prompt = no
[dn]
[ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,nonRepudiation
subjectKeyIdentifier = hash
"""


def generate_identity(
    directory: Path,
    algorithm: str = "RSA-SHA1",
    common_name: str = DEFAULT_COMMON_NAME,
    *,
    key_size: int = 2048,
    days: int = _VALID_DAYS,
    passphrase: bytes | None = None,
) -> tuple[Path, Path]:
    """Write ``key.pem`` (PKCS#8) and ``cert.pem`` into ``directory``; return their paths.

    ``algorithm`` is "RSA-SHA1" (cryptography) or "SM2-SM3" (needs the ``openssl`` command, 3.x).
    The certificate serial is random, so its hex form is the KeyName signatures will carry.
    The certificate is valid for ``days`` from now (RSA: a negative number makes an expired one, for tests);
    with a ``passphrase`` the key is written encrypted (PBES2, AES-256-CBC) and never touches disk in clear.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / "key.pem", directory / "cert.pem"
    if algorithm == "RSA-SHA1":
        _write_rsa(key_path, cert_path, common_name, key_size, days, passphrase)
    elif algorithm == "SM2-SM3":
        _write_sm2(key_path, cert_path, common_name, days, passphrase)
    else:
        raise SignatureError(f"unknown algorithm {algorithm!r}; expected RSA-SHA1 or SM2-SM3")
    return key_path, cert_path


def _write_rsa(key_path: Path, cert_path: Path, common_name: str, key_size: int, days: int,
               passphrase: bytes | None) -> None:  # fmt: skip
    key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    not_after = now + datetime.timedelta(days=days)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(min(now - datetime.timedelta(minutes=5), not_after - datetime.timedelta(days=1)))
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    protection = serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, protection)
    _write_private(key_path, pem)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _write_sm2(key_path: Path, cert_path: Path, common_name: str, days: int, passphrase: bytes | None) -> None:
    if days < 1:  # openssl req answers 0 or less with a bare "Invalid parameter" of its own
        raise InvalidInputError(f"days 有效天数应不少于 1 天（给出 {days}）",
                                f"days: the certificate must be valid for at least 1 day (got {days})")
    openssl = _openssl()
    serial = f"0x{secrets.randbits(63) | 1 << 62:x}"
    subject = "/CN=" + common_name.replace("\\", "\\\\").replace("/", "\\/")
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "req.cnf"
        config.write_text(_OPENSSL_CONFIG)
        encrypt = ("-aes-256-cbc", "-pass", "stdin") if passphrase else ()
        _run(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", *encrypt,
             "-out", str(key_path), secret=passphrase)  # fmt: skip
        os.chmod(key_path, 0o600)
        _run(openssl, "req", "-new", "-x509", "-config", str(config), "-key", str(key_path), "-sm3",
             "-sigopt", f"distid:{SM2_ID.decode()}", "-utf8", "-subj", subject, "-set_serial", serial,
             "-days", str(days), "-out", str(cert_path), *(("-passin", "stdin") if passphrase else ()),
             secret=passphrase)  # fmt: skip


def generate_csr(directory: Path, algorithm: str, subject: "CsrSubject", passphrase: bytes) -> tuple[Path, Path]:
    """A new key pair and its PKCS#10 request for a CA: ``key.pem`` (encrypted with ``passphrase``, PBES2) and
    ``csr.pem`` in ``directory``. The request is signed by the new key (RSA: SHA-256; SM2: SM3 with the default
    ID), so the CA can check that the requester holds it."""
    directory = Path(directory)
    key_path, csr_path = directory / "key.pem", directory / "csr.pem"
    if algorithm == "RSA-SHA1":
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        request = x509.CertificateSigningRequestBuilder().subject_name(subject.name()).sign(key, hashes.SHA256())
        protection = serialization.BestAvailableEncryption(passphrase)
        _write_private(key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                   protection))  # fmt: skip
        csr_path.write_bytes(request.public_bytes(serialization.Encoding.PEM))
    elif algorithm == "SM2-SM3":
        openssl = _openssl()
        _run(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:SM2", "-aes-256-cbc",
             "-pass", "stdin", "-out", str(key_path), secret=passphrase)  # fmt: skip
        os.chmod(key_path, 0o600)
        with tempfile.TemporaryDirectory() as scratch:
            config = Path(scratch) / "req.cnf"
            config.write_text("[req]\ndistinguished_name = dn\nprompt = no\n[dn]\n")
            _run(openssl, "req", "-new", "-config", str(config), "-key", str(key_path), "-passin", "stdin", "-sm3",
                 "-sigopt", f"distid:{SM2_ID.decode()}", "-utf8", "-subj", subject.openssl(), "-out", str(csr_path),
                 secret=passphrase)  # fmt: skip
    else:
        raise SignatureError(f"unknown algorithm {algorithm!r}; expected RSA-SHA1 or SM2-SM3")
    return key_path, csr_path


@dataclass(frozen=True)
class CsrSubject:
    """The subject a certificate request asks for: common name, organisation (O) and country (C, ISO 3166 two
    letters). Checked before any key is made, each refusal naming its field."""

    common_name: str
    organisation: str = ""
    country: str = "CN"

    def __post_init__(self) -> None:
        if not self.common_name.strip() or len(self.common_name) > 64:
            raise InvalidInputError("common_name 通用名为必填项（最多64字）",
                                    "common_name is required (64 characters at most)")
        if len(self.organisation) > 64:
            raise InvalidInputError("organisation 组织名最多64字", "organisation has 64 characters at most")
        if not re.fullmatch(r"[A-Z]{2}", self.country):
            raise InvalidInputError(f"country 国家代码应为两位大写字母（给出 {self.country!r}）",
                                    f"country is two capital letters, ISO 3166 (got {self.country!r})")

    def name(self) -> x509.Name:
        attributes = [x509.NameAttribute(NameOID.COUNTRY_NAME, self.country)]
        if self.organisation:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organisation))
        return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, self.common_name)])

    def openssl(self) -> str:
        parts = [("C", self.country), ("O", self.organisation), ("CN", self.common_name)]
        return "".join(f"/{k}=" + v.replace("\\", "\\\\").replace("/", "\\/") for k, v in parts if v)


def _openssl() -> str:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise SignatureError("SM2 keys and requests need the openssl command line tool")
    return openssl


def _run(*command: str, secret: bytes | None = None) -> None:
    result = subprocess.run(command, input=secret or b"", capture_output=True, check=False)
    if result.returncode != 0:
        raise SignatureError(f"{' '.join(command[:2])} failed: {result.stderr.decode(errors='replace').strip()}")


def _write_private(path: Path, data: bytes) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
