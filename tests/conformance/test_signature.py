"""Interop proofs for the customs signature: independent tools and real-world signers agree with us.

Independent checks use the ``openssl`` command line, the standard library's C14N and pyca/cryptography,
never adapters.signing, except to produce what is being checked.
"""

import base64
import hashlib
import re
import shutil
import subprocess
from pathlib import Path
from xml.etree.ElementTree import canonicalize

import pytest
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from lxml import etree

from adapters.signing import generate_identity, load_signer, verify_bytes, xmldsig
from adapters.signing.certificate import parse_certificate
from schemas import sample

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")

CEB = "http://www.chinaport.gov.cn/ceb"
DS = "http://www.w3.org/2000/09/xmldsig#"
SAMPLE_311 = sample("import", "CEB311Message.xml")
SIGNED_INFO = (
    '<ds:SignedInfo xmlns:ceb="http://www.chinaport.gov.cn/ceb" xmlns:ds="http://www.w3.org/2000/09/xmldsig#"'
    ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><ds:CanonicalizationMethod'
    ' Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"></ds:CanonicalizationMethod>'
    '<ds:SignatureMethod Algorithm="{signature}"></ds:SignatureMethod><ds:Reference URI=""><ds:Transforms>'
    '<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"></ds:Transform>'
    '</ds:Transforms><ds:DigestMethod Algorithm="{digest}"></ds:DigestMethod><ds:DigestValue>{value}'
    "</ds:DigestValue></ds:Reference></ds:SignedInfo>"
)
UNSIGNED_311 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    f'<ceb:CEB311Message xmlns:ceb="{CEB}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
    ' guid="4CDE1CFD-EDED-46B1-946C-B8022E42FC94" version="1.0">\n'
    "  <ceb:Order>\n    <ceb:OrderHead>\n      <ceb:guid>4CDE1CFD-EDED-46B1-946C-B8022E42FC94</ceb:guid>\n"
    "      <ceb:appType>1</ceb:appType>\n      <ceb:orderNo>order20160321116421002</ceb:orderNo>\n"
    "      <ceb:ebpName>东方物通科技(北京)有限公司</ceb:ebpName>\n"
    "      <ceb:goodsValue>14000</ceb:goodsValue>\n"
    "    </ceb:OrderHead>\n  </ceb:Order>\n</ceb:CEB311Message>\n"
).encode()

# A CEB311 submission customs accepted ("新增申报成功"), signed by an e-port UKey (RSA-1024, serial
# 01691f7f): Weasley-J/chinaport-data-signature, 中国电子口岸报文加签验证.md §1.
ACCEPTED_RSA = {
    "certificate": (
        "MIIE+zCCBGSgAwIBAgIEAWkffzANBgkqhkiG9w0BAQUFADB8MQswCQYDVQQGEwJjbjEVMBMGA1UECh4MTi1W/XU1W1BT41y4MRUwEwYDVQQL"
        "HgyLwU5me6F0Bk4tX8MxDTALBgNVBAgeBFMXTqwxITAfBgNVBAMeGE4tVv11NVtQThpSoYvBTmZ7oXQGTi1fwzENMAsGA1UEBx4EUxdOrDAe"
        "Fw0yMTA1MzEwMDAwMDBaFw0zMTA1MzEwMDAwMDBaMB4xDzANBgNVBAMeBoSLWSdOOjELMAkGA1UEEh4CADEwgZ8wDQYJKoZIhvcNAQEBBQAD"
        "gY0AMIGJAoGBAMtI8VNQW/F/tP4KvX6I8qV1IkthY596m59Cy1nWcYdq2MkJ9x7F35VekgJxbVumHTNJSBbOZs1hGTeuKaTLl3+xMhLQ+YQ4"
        "kfvJUwcbCIdPTewqrCyJAq1UKTTHjxgudwUahb9IviSzDo0j4PJtCommbd84EO7SxNiLw6Rpg9QnAgMBAAGjggLmMIIC4jALBgNVHQ8EBAMC"
        "BsAwCQYDVR0TBAIwADCBpwYDVR0jBIGfMIGcgBT5daN4RQtCaMIEU6vrw04+VHh0YKGBgKR+MHwxCzAJBgNVBAYTAmNuMRUwEwYDVQQKHgxO"
        "LVb9dTVbUFPjXLgxFTATBgNVBAseDIvBTmZ7oXQGTi1fwzENMAsGA1UECB4EUxdOrDEhMB8GA1UEAx4YTi1W/XU1W1BOGlKhi8FOZnuhdAZO"
        "LV/DMQ0wCwYDVQQHHgRTF06sggEAMB0GA1UdDgQWBBT1YEuTpXfAwy4GwPYMasIvwDCwaDBCBgNVHSAEOzA5MDcGBiuBBwEBAjAtMCsGCCsG"
        "AQUFBwIBFh9odHRwOi8vY3BzLmNoaW5hcG9ydC5nb3YuY24vQ1BTMHIGA1UdHwRrMGkwMKAuoCyGKmxkYXA6Ly9sZGFwLmNoaW5hcG9ydC5n"
        "b3YuY246Mzg5LzAwMC0xLmNybDA1oDOgMYYvaHR0cDovL2xkYXAuY2hpbmFwb3J0Lmdvdi5jbjo4MDg4L2R6a2EwMDAtMS5jcmwwbQYIKwYB"
        "BQUHAQEEYTBfMC4GCCsGAQUFBzABhiJodHRwOi8vb2NzcC5jaGluYXBvcnQuZ292LmNuOjg4MDAvMC0GCCsGAQUFBzABhiFodHRwOi8vb2Nz"
        "cC5jaGluYXBvcnQuZ292LmNuOjgwODgwKgYKKwYBBAGpQ2QFAQQcFhq6o8TP0Me0tLulwarN+NK90qnT0M/euavLvjASBgorBgEEAalDZAUD"
        "BAQWAjAxMCIGCisGAQQBqUNkBQgEFBYSMzQxMDAzMTk4MzAxMTMwNDEwMB0GCisGAQQBqUNkBQkEDxYNSkowRzkwMDE1OTI3MTAZBgorBgEE"
        "AalDZAULBAsWCU1BNVRMVUE1MzASBgorBgEEAalDZAUMBAQWAjAwMBIGCisGAQQBqUNkAgQEBBYCMTQwEgYKKwYBBAGpQ2QCAQQEFgIxMDAN"
        "BgkqhkiG9w0BAQUFAAOBgQA4w5rNt9NIi8S1vhNjMU/qH7IkX79X3B1wHwiuLvMZPnRPNY0xO0uDc2lme8RDHDxCk7RhUupgDbgQIiEwITWY"
        "aqNP499wkQ8EK88wLRCiuybcFGTl5MXyOIpfZtaDnRcUu2Edyt07vcIEWgtJmR6TTEBehCE14v+fIKuAcFDPTg=="
    ),
    "digest": "wz3Mne4HAnnHGeKvHv4LxU2ysuc=",
    "signature": (
        "JjKKuzwbl8+aHdmNNM4gVQI5R9NRyeDhzTL2huJnU4kD9nN35pYJ7pMzquCFhNUvns89GN/Aim0DSAlXMa63aSSw3ad4wvmKjYBl24U+S1KY"
        "bX2mKhwkJIK6Ic8bWLuu5eC6+h0+Gttvo7baQT11w0I0xfDyBH7awuddcZyaLIU="
    ),
}
# A CEB311 signed by an SM2 UKey (serial 03000000000cde6f) with the w3.org-style URIs that signer uses:
# Weasley-J/chinaport-data-signature, doc/响应json示例/CEBMessage.json.
UKEY_SM2 = {
    "certificate": (
        "MIIEoDCCBESgAwIBAgIIAwAAAAAM3m8wDAYIKoEcz1UBg3UFADCBmDELMAkGA1UEBhMCQ04xDzANBgNVBAgMBuWMl+S6rDEPMA0GA1UEBwwG"
        "5YyX5LqsMRswGQYDVQQKDBLkuK3lm73nlLXlrZDlj6PlsrgxGzAZBgNVBAsMEuivgeS5pueuoeeQhuS4reW/gzEtMCsGA1UEAwwk5Lit5Zu9"
        "55S15a2Q5Lia5Yqh6K+B5Lmm566h55CG5Lit5b+DMB4XDTIzMDMyOTAwMDAwMFoXDTMzMDMyOTAwMDAwMFowVjELMAkGA1UEBhMCQ04xMzAx"
        "BgNVBAsMKua1t+WNl+ecgeiNo+iqiei/m+WHuuWPo+i0uOaYk+aciemZkOWFrOWPuDESMBAGA1UEAwwJ5p2o5aaC6YeRMFkwEwYHKoZIzj0C"
        "AQYIKoEcz1UBgi0DQgAE0vOQmplAr9igPZrA8F1msqnFd0U++6G6NhG5rNuIUWft0BwQn7eSJkt5/fvSSoe7pUg2/awHUWPnzkeeQc7oVqOC"
        "ArUwggKxMBEGCWCGSAGG+EIBAQQEAwIFoDAOBgNVHQ8BAf8EBAMCBsAwCQYDVR0TBAIwADApBgNVHSUEIjAgBggrBgEFBQcDAgYIKwYBBQUH"
        "AwQGCisGAQQBgjcUAgIwHwYDVR0jBBgwFoAURCQxt0wEvoAVXmuo4N1bjKXTh0UwHQYDVR0OBBYEFAytGob5L0WqhOCZ5l6Lf2jUdNrAMGgG"
        "A1UdIARhMF8wXQYEVR0gADBVMFMGCCsGAQUFBwIBFkdodHRwczovL3d3dy5jaGluYXBvcnQuZ292LmNuL3RjbXNmaWxlL3UvY21zL3d3dy8y"
        "MDIyMDQvMTIxMzI5NDh4dDZwLnBkZjB/BgNVHR8EeDB2MHSgcqBwhm5sZGFwOi8vbGRhcC5jaGluYXBvcnQuZ292LmNuOjM4OS9jbj1jcmww"
        "MzAwMDAsb3U9Y3JsMDAsb3U9Y3JsLGM9Y24/Y2VydGlmaWNhdGVSZXZvY2F0aW9uTGlzdD9iYXNlP2NuPWNybDAzMDAwMDA+BggrBgEFBQcB"
        "AQQyMDAwLgYIKwYBBQUHMAGGImh0dHA6Ly9vY3NwLmNoaW5hcG9ydC5nb3YuY246ODgwMC8wOgYKKwYBBAGpQ2QFAQQsDCrmtbfljZfnnIHo"
        "jaPoqonov5vlh7rlj6PotLjmmJPmnInpmZDlhazlj7gwEgYKKwYBBAGpQ2QFAwQEDAIwMTAiBgorBgEEAalDZAUIBBQMEjUxMjMyNDE5NjQx"
        "MDE3Mjk3WDAgBgorBgEEAalDZAUJBBIMEDAzLUpKMEc5MDAyMjA3NTIwGQYKKwYBBAGpQ2QFCwQLDAlNQTVUTkZHWTkwEgYKKwYBBAGpQ2QF"
        "DAQEDAIwMDASBgorBgEEAalDZAIBBAQMAjEyMBIGCisGAQQBqUNkAgQEBAwCMTQwDAYIKoEcz1UBg3UFAANIADBFAiBM4OVAc8aaCZU4XFfc"
        "VMkC7bWIIenRnPLxrnwVeYO3CQIhANQ767YIurkJCoLtwyqQPbUZe/+3BjGZcIWqB1mAl9T+"
    ),
    "digest": "S4bQ8Qh6nXZohX+NTac1SKbDvlM=",
    "signature": "kWMFA6ie8OzAAvZ0rhY4IItgC5DVFZ7OQ9wjgBS5j/2YLKtvT0FU2aYM8xLyGZu6b9PzJ9DvhdfDEEHIUOBZmA==",
}


@pytest.fixture(scope="module")
def identities(tmp_path_factory):
    base = tmp_path_factory.mktemp("identities")
    return {name: generate_identity(base / name, name) for name in ("RSA-SHA1", "SM2-SM3")}


def openssl(*arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(["openssl", *arguments], capture_output=True, text=True, check=False)


def signed_parts(xml: bytes) -> tuple[bytes, bytes, str, bytes]:
    """Independently taken apart: (SignedInfo C14N, SignatureValue, DigestValue, unsigned C14N)."""
    root = etree.fromstring(xml)
    signature = root.find(f"{{{DS}}}Signature")
    signed_info = etree.tostring(signature.find(f"{{{DS}}}SignedInfo"), method="c14n")
    value = base64.b64decode(signature.findtext(f"{{{DS}}}SignatureValue"))
    digest = signature.findtext(f"{{{DS}}}SignedInfo/{{{DS}}}Reference/{{{DS}}}DigestValue")
    root.remove(signature)
    return signed_info, value, digest, etree.tostring(root.getroottree(), method="c14n")


def public_key(cert_path: Path, tmp_path: Path) -> Path:
    path = tmp_path / "public.pem"
    path.write_text(openssl("x509", "-in", str(cert_path), "-pubkey", "-noout").stdout)
    return path


def test_rsa_signature_verifies_with_openssl_dgst(tmp_path, identities):
    key, cert = identities["RSA-SHA1"]
    signed_info, value, digest, unsigned = signed_parts(load_signer(key, cert).sign_bytes(UNSIGNED_311))
    (tmp_path / "signed_info.xml").write_bytes(signed_info)
    (tmp_path / "signature.bin").write_bytes(value)

    public = public_key(cert, tmp_path)

    result = openssl(
        "dgst", "-sha1", "-verify", str(public), "-signature", str(tmp_path / "signature.bin"),
        str(tmp_path / "signed_info.xml"),
    )  # fmt: skip

    assert result.stdout.strip() == "Verified OK", result.stderr
    assert digest == base64.b64encode(hashlib.sha1(unsigned).digest()).decode()
    expected = SIGNED_INFO.format(signature=DS + "rsa-sha1", digest=DS + "sha1", value=digest)
    assert signed_info.decode() == expected


def test_sm2_signature_verifies_with_openssl_pkeyutl(tmp_path, identities):
    key, cert = identities["SM2-SM3"]
    signed_info, value, digest, unsigned = signed_parts(load_signer(key, cert).sign_bytes(UNSIGNED_311))
    r, s = int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big")
    (tmp_path / "signed_info.xml").write_bytes(signed_info)
    (tmp_path / "signature.der").write_bytes(encode_dss_signature(r, s))

    public = public_key(cert, tmp_path)

    result = openssl(
        "pkeyutl", "-verify", "-pubin", "-inkey", str(public), "-rawin", "-digest", "sm3",
        "-pkeyopt", "distid:1234567812345678",
        "-in", str(tmp_path / "signed_info.xml"), "-sigfile", str(tmp_path / "signature.der"),
    )  # fmt: skip

    assert len(value) == 64
    assert "Signature Verified Successfully" in result.stdout, result.stderr
    assert digest == base64.b64encode(hashlib.new("sm3", unsigned).digest()).decode()
    chinaport = "http://www.chinaport.gov.cn/2022/04/xmldsig#"
    expected = SIGNED_INFO.format(signature=chinaport + "sm2-sm3", digest=chinaport + "sm3", value=digest)
    assert signed_info.decode() == expected


def test_sm2_signature_made_by_openssl_verifies_with_us(tmp_path, identities):
    key, cert = identities["SM2-SM3"]
    signed = load_signer(key, cert).sign_bytes(UNSIGNED_311)
    (tmp_path / "signed_info.xml").write_bytes(signed_parts(signed)[0])
    openssl(
        "dgst", "-sm3", "-sign", str(key), "-sigopt", "distid:1234567812345678",
        "-out", str(tmp_path / "signature.der"), str(tmp_path / "signed_info.xml"),
    )  # fmt: skip
    r, s = decode_dss_signature((tmp_path / "signature.der").read_bytes())
    theirs = base64.b64encode(r.to_bytes(32, "big") + s.to_bytes(32, "big"))

    replaced = re.sub(rb"(<ds:SignatureValue>)[^<]*", rb"\g<1>" + theirs, signed)

    assert replaced != signed and verify_bytes(replaced).ok


def test_digest_rule_matches_an_independent_c14n_of_the_official_sample():
    root = etree.parse(str(SAMPLE_311)).getroot()
    root.remove(root.find(f"{{{DS}}}Signature"))
    text = SAMPLE_311.read_text(encoding="utf-8-sig")
    unsigned = re.sub(r"<ds:Signature[ >].*</ds:Signature>\s*", "", text, flags=re.S)

    independent = base64.b64encode(hashlib.sha1(canonicalize(unsigned).encode()).digest()).decode()

    assert xmldsig.document_digest(root, "sha1") == independent


@pytest.mark.parametrize(
    ("vector", "signature_uri", "digest_uri"),
    [
        (ACCEPTED_RSA, DS + "rsa-sha1", DS + "sha1"),
        (UKEY_SM2, DS + "sm2-sm3", DS + "sha1"),
    ],
    ids=["rsa-accepted-by-customs", "sm2-ukey"],
)
def test_our_signed_info_is_what_real_ukeys_signed(tmp_path, vector, signature_uri, digest_uri):
    certificate = parse_certificate(base64.b64decode(vector["certificate"]))
    profile = xmldsig.Profile("real", certificate.key_type, signature_uri, digest_uri)
    root = etree.fromstring(UNSIGNED_311)
    signature = xmldsig.build_signature(profile, vector["digest"], certificate.key_name, certificate.base64)
    xmldsig.attach(root, signature)
    (tmp_path / "signed_info.xml").write_bytes(xmldsig.canonicalize(signature[0]))
    (tmp_path / "cert.der").write_bytes(certificate.der)
    value = base64.b64decode(vector["signature"])
    if certificate.key_type == "SM2":
        value = encode_dss_signature(int.from_bytes(value[:32], "big"), int.from_bytes(value[32:], "big"))
    (tmp_path / "signature.bin").write_bytes(value)
    key = openssl("x509", "-inform", "DER", "-in", str(tmp_path / "cert.der"), "-pubkey", "-noout").stdout
    (tmp_path / "public.pem").write_text(key)

    extra = ["-sigopt", "distid:1234567812345678"] if certificate.key_type == "SM2" else []
    result = openssl(
        "dgst", "-sm3" if certificate.key_type == "SM2" else "-sha1", *extra,
        "-verify", str(tmp_path / "public.pem"), "-signature", str(tmp_path / "signature.bin"),
        str(tmp_path / "signed_info.xml"),
    )  # fmt: skip

    assert result.stdout.strip() == "Verified OK", result.stderr
