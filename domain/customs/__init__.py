"""Customs declarations: import and export documents, their rules, and what their receipts cause."""
