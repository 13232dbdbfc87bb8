"""The auditor's console and the dashboards."""
