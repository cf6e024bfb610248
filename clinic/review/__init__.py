"""Review for therapists: answers side by side, boundary grids compared, language marks,
check-in trends over time, session notes, and a session view limited to shared answers."""
