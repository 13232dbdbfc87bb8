"""`cbec signer` and `cbec signer-keys` as an operator runs them (#17 items 7-9): a wrong passphrase stops the
service before it listens, refusals exit 2 with the field in zh and en, and the lifecycle actions work end to end
(CSR answered by a CA the test makes, revoke, delete, passphrase change, list, PKCS#11 on SoftHSM2)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from adapters.signing.keystore import KeyStore
from engine.signing.service import SigningService
from tests.processes import free_port

PASSPHRASE = "cli store passphrase"
MODULES = ["/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"]


def cbec(data: Path, *args: str, passphrase: str = PASSPHRASE, timeout: float = 120,
         **env: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    environment = {**os.environ, "CBEC_KEYSTORE_PASSPHRASE": passphrase, **env}
    return subprocess.run([sys.executable, "-m", "engine.cli", *args, "--data", str(data)], env=environment,
                          capture_output=True, text=True, timeout=timeout, check=False)  # fmt: skip


def test_the_signer_refuses_to_start_with_a_wrong_passphrase(tmp_path):
    assert cbec(tmp_path, "signer-keys", "generate", "3301960201").returncode == 0
    port = free_port()
    started = cbec(tmp_path, "signer", "--port", str(port), "--workers", "1", passphrase="not it", timeout=60)
    assert started.returncode == 2, started.stdout + started.stderr
    assert "密钥库口令错误" in started.stderr and "wrong passphrase for the key store" in started.stderr
    assert "http://" not in started.stdout  # it never said it listens


@pytest.mark.parametrize("key_type", ["RSA", "SM2"])
@pytest.mark.parametrize("days", ["0", "-1"])
def test_generate_refuses_less_than_a_day_naming_days(tmp_path, key_type, days):
    refused = cbec(tmp_path, "signer-keys", "generate", "3301960202", "--key-type", key_type, "--days=" + days)
    assert refused.returncode == 2
    assert "days 有效天数" in refused.stderr and "days: the validity" in refused.stderr
    assert "Invalid parameter" not in refused.stderr  # no raw OpenSSL error


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_csr_import_cert_revoke_delete_passphrase_and_list_from_the_command_line(tmp_path):
    data = tmp_path / "data"
    assert cbec(data, "signer-keys", "generate", "3301960203").returncode == 0
    request = tmp_path / "req.pem"
    made = cbec(data, "signer-keys", "csr", "3301960204", "--key-type", "SM2", "--common-name", "示范企业",
                "--organisation", "示范跨境电商有限公司", "--country", "CN", "--out", str(request))
    assert made.returncode == 0 and "import-cert" in made.stderr, made.stderr
    ca_key, ca_cert, issued = tmp_path / "ca.key", tmp_path / "ca.pem", tmp_path / "issued.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out",
                    str(ca_cert), "-subj", "/CN=CLI Test CA", "-days", "2"], check=True, capture_output=True)
    subprocess.run(["openssl", "x509", "-req", "-in", str(request), "-CA", str(ca_cert), "-CAkey", str(ca_key),
                    "-days", "30", "-out", str(issued), "-vfyopt", "distid:1234567812345678"],
                   check=True, capture_output=True)  # fmt: skip
    imported = cbec(data, "signer-keys", "import-cert", "3301960204", "--cert", str(issued), "--activate")
    assert imported.returncode == 0 and "3301960204" in imported.stdout and "SM2" in imported.stdout
    new_id = imported.stdout.split()[2]

    listed = cbec(data, "signer-keys", "list")
    assert listed.returncode == 0
    assert {line.split()[1] for line in listed.stdout.splitlines()} == {"3301960203", "3301960204"}
    assert all("scrypt" in line for line in listed.stdout.splitlines())

    old_id = cbec(data, "signer-keys", "list", "3301960203").stdout.split()[2]
    cbec(data, "signer-keys", "generate", "3301960203")
    revoked = cbec(data, "signer-keys", "revoke", "3301960203", "--key-id", old_id, "--reason", "leaked")
    assert revoked.returncode == 0 and revoked.stdout.startswith("R ")
    refused = cbec(data, "signer-keys", "delete", "3301960204", "--key-id", new_id)
    assert refused.returncode == 2 and "active" in refused.stderr
    assert cbec(data, "signer-keys", "delete", "3301960203", "--key-id", old_id).returncode == 0
    assert old_id not in cbec(data, "signer-keys", "list").stdout

    changed = cbec(data, "signer-keys", "passphrase", "--new-passphrase-env", "NEW_ONE", NEW_ONE="the new one")
    assert changed.returncode == 0, changed.stderr
    assert cbec(data, "signer-keys", "list").returncode == 2
    store = KeyStore(data / "keystore", b"the new one")
    service = SigningService(store)
    for enterprise in ("3301960203", "3301960204"):
        raw = service.sign_raw(enterprise, b"x")
        assert service.verify_raw(enterprise, raw.key_id, b"x", raw.signature).ok


@pytest.fixture
def softhsm(tmp_path):
    module = next((m for m in MODULES if Path(m).exists()), None)
    if module is None or shutil.which("softhsm2-util") is None or shutil.which("pkcs11-tool") is None:
        pytest.skip("SoftHSM2 and pkcs11-tool are not installed (apt-get install softhsm2 opensc)")
    (tmp_path / "tokens").mkdir()
    config = tmp_path / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tmp_path / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = {**os.environ, "SOFTHSM2_CONF": str(config)}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", "cli-token", "--pin", "123456",
                    "--so-pin", "654321"], check=True, capture_output=True, env=env)  # fmt: skip
    subprocess.run(["pkcs11-tool", "--module", module, "--token-label", "cli-token", "--login", "--pin", "123456",
                    "--keypairgen", "--key-type", "rsa:2048", "--label", "cli-seal", "--id", "01"],
                   check=True, capture_output=True, env=env)  # fmt: skip
    return module, env


def test_a_pkcs11_key_is_registered_from_the_command_line_and_signs(tmp_path, softhsm):
    module, env = softhsm
    public = tmp_path / "public.der"
    subprocess.run(["pkcs11-tool", "--module", module, "--token-label", "cli-token", "--read-object", "--type",
                    "pubkey", "--label", "cli-seal", "-o", str(public)], check=True, capture_output=True, env=env)
    certificate = _certify(public, tmp_path)
    registered = cbec(tmp_path / "data", "signer-keys", "pkcs11", "3301960205", "--module", module,
                      "--token-label", "cli-token", "--key-label", "cli-seal", "--pin-env", "CLI_TOKEN_PIN",
                      "--cert", str(certificate), CLI_TOKEN_PIN="123456", SOFTHSM2_CONF=env["SOFTHSM2_CONF"])
    assert registered.returncode == 0, registered.stderr
    assert "pkcs11" in registered.stdout and "token" in registered.stdout
    probe = ("import os\nfrom adapters.signing.keystore import KeyStore\nfrom engine.signing.service import "
             "SigningService\ns = SigningService(KeyStore(os.environ['ROOT'], os.environ['PASS'].encode()))\n"
             "r = s.sign_raw('3301960205', b'x')\nprint(s.verify_raw('3301960205', r.key_id, b'x', r.signature).ok)\n")
    signed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=False,
                            env={**env, "ROOT": str(tmp_path / "data" / "keystore"), "PASS": PASSPHRASE,
                                 "CLI_TOKEN_PIN": "123456"})  # fmt: skip
    assert signed.stdout.strip() == "True", signed.stderr
    wrong_label = cbec(tmp_path / "data", "signer-keys", "pkcs11", "3301960206", "--module", module,
                       "--token-label", "cli-token", "--key-label", "no-such-key", "--pin-env", "CLI_TOKEN_PIN",
                       "--cert", str(certificate), CLI_TOKEN_PIN="123456", SOFTHSM2_CONF=env["SOFTHSM2_CONF"])
    assert wrong_label.returncode == 2 and "no-such-key" in wrong_label.stderr


def _certify(public_der: Path, folder: Path) -> Path:
    """A throwaway CA (made here) certifies the token's public key."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.datetime.now(datetime.UTC)
    certificate = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "PKCS#11 示范企业")]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CLI Test CA")]))
                   .public_key(serialization.load_der_public_key(public_der.read_bytes()))
                   .serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=30))
                   .sign(ca_key, hashes.SHA256()))  # fmt: skip
    path = folder / "token-cert.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return path
