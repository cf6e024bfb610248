"""PDF handouts: session handouts, blank worksheets and assignment cards (docs/handouts.md)."""
