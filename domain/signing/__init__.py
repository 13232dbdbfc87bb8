"""The signing service's own records: the audit of every use of a signing key (签名审计, #17 item 5)."""
