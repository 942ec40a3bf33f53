"""Speech-to-text and text-to-speech engines (voice issue)."""
