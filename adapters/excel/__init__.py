"""Excel workbooks users fill in and receive (openpyxl)."""
