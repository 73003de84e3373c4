"""Report generation: tables, claims ledger and plots from result records -> index.html and REPORT.md."""
