"""What every context of the domain shares: identifiers, the field-error type and CEB field rules, customs
statuses and receipts, the retail import tax law. Imports nothing from the contexts."""
