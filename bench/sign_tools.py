"""Reference points measured in the same run: `openssl speed` (the physical limit) and `xmlsec1` (Debian).

``openssl speed -seconds S rsa2048 sm2`` runs once on one core and once with ``-multi <cores>``.
xmlsec1 signs the same CEB311 with the customs profile (RSA-SHA1, inclusive C14N, enveloped) from a
template, one process per message as an integrator calling the tool would; missing tools are skipped.
"""

import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from adapters.signing import generate_identity, verify_bytes
from adapters.signing.certificate import load_certificate

Metric = tuple[str, float, str]
_SPEED_LINES = {"rsa2048": re.compile(r"^rsa 2048 bits .*?([\d.]+)\s+([\d.]+)\s*$", re.M),
                "sm2": re.compile(r"^\s*256 bits SM2 .*?([\d.]+)\s+([\d.]+)\s*$", re.M)}  # fmt: skip


def openssl_speed(seconds: int = 3) -> list[Metric]:
    """Signs and verifies per second by ``openssl speed`` for RSA-2048 and SM2, one core and all cores."""
    if shutil.which("openssl") is None:
        return []
    cores = os.cpu_count() or 1
    lines = _speed([], seconds, "1core")
    if cores > 1:
        lines += _speed(["-multi", str(cores)], seconds, f"{cores}cores")
    return lines


def speed_of(algorithm: str, operation: str, cores: int, seconds: int = 1) -> float | None:
    """One ``openssl speed`` figure (algorithm rsa2048 or sm2, operation sign or verify) on ``cores`` cores."""
    if shutil.which("openssl") is None:
        return None
    extra = ["-multi", str(cores)] if cores > 1 else []
    found = {name: value for name, value, _ in _speed(extra, seconds, "x", (algorithm,))}
    return found.get(f"openssl_speed_{algorithm}_{operation}_x")


def _speed(extra: list[str], seconds: int, label: str,
           algorithms: tuple[str, ...] = ("rsa2048", "sm2")) -> list[Metric]:
    command = ["openssl", "speed", "-seconds", str(seconds), *extra, *algorithms]
    output = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    lines = []
    for name, pattern in _SPEED_LINES.items():
        found = pattern.search(output)
        if found:
            lines.append((f"openssl_speed_{name}_sign_{label}", float(found[1]), "signs/s"))
            lines.append((f"openssl_speed_{name}_verify_{label}", float(found[2]), "verifies/s"))
    return lines


def customs_template(document: bytes, key_name: str) -> bytes:
    """The unsigned CEB message with an empty customs ds:Signature for ``xmlsec1 --sign`` to fill."""
    ds = "http://www.w3.org/2000/09/xmldsig#"
    signature = (
        f'<ds:Signature xmlns:ds="{ds}"><ds:SignedInfo><ds:CanonicalizationMethod'
        ' Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:CanonicalizationMethod>'
        f'<ds:SignatureMethod Algorithm="{ds}rsa-sha1"></ds:SignatureMethod><ds:Reference URI="">'
        f'<ds:Transforms><ds:Transform Algorithm="{ds}enveloped-signature"></ds:Transform></ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{ds}sha1"></ds:DigestMethod><ds:DigestValue></ds:DigestValue>'
        "</ds:Reference></ds:SignedInfo><ds:SignatureValue></ds:SignatureValue><ds:KeyInfo>"
        f"<ds:KeyName>{key_name}</ds:KeyName><ds:X509Data><ds:X509Certificate></ds:X509Certificate>"
        "</ds:X509Data></ds:KeyInfo></ds:Signature>"
    )
    closing = document.rindex(b"</")
    return document[:closing] + signature.encode() + document[closing:]


def xmlsec1_sign(document: bytes, runs: int = 40) -> list[Metric]:
    """Customs signatures per second by ``xmlsec1 --sign`` (a process each), checked by our verifier."""
    if shutil.which("xmlsec1") is None:
        return []
    with tempfile.TemporaryDirectory() as scratch:
        key, cert = generate_identity(Path(scratch), "RSA-SHA1")
        template = Path(scratch) / "template.xml"
        template.write_bytes(customs_template(document, load_certificate(cert.read_bytes()).key_name))
        output = Path(scratch) / "signed.xml"
        command = ["xmlsec1", "--sign", "--privkey-pem", f"{key},{cert}", "--output", str(output), str(template)]
        subprocess.run(command, capture_output=True, check=True)
        if not verify_bytes(output.read_bytes()).ok:
            raise RuntimeError("xmlsec1's customs signature does not verify with cbec")
        began = time.perf_counter()
        for _ in range(runs):
            subprocess.run(command, capture_output=True, check=True)
        rate = runs / (time.perf_counter() - began)
    return [("xmlsec1_rsa_sha1_sign_1core", round(rate, 1), "signs/s")]
