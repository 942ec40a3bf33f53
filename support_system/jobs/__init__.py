"""Job catalogue loading, question engine and answer validation (jobs/generators issue)."""
