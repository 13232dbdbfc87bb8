"""Read models of the signing service: the uses of signing keys for auditors (签名审计, #17 item 5)."""
