"""REST + WebSocket API for other clients, /metrics (later issue)."""
