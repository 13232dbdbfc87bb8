"""Export of any list (rows of a read model) to CSV, Excel and Parquet (B4)."""

from .tabular import FORMATS, Exported, ExportError, export_rows

__all__ = ["FORMATS", "ExportError", "Exported", "export_rows"]
