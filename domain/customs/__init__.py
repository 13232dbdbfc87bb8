"""Customs declarations: import and export documents, their messages and receipts."""
