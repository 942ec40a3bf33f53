"""Task analyzer, skill matcher and model router (later issue)."""
