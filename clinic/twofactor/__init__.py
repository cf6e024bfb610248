"""Two-factor sign-in for therapists: TOTP with one-time recovery codes; a clinic may require it."""
