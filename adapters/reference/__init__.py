"""Reference data from outside: the code lists shipped with the platform (``data/``) and the Excel/CSV tables
administrators import and export."""
