"""Site folder, zip export, local static host, Gradio launcher (jobs/generators issue)."""
