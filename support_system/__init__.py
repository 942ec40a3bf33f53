"""support_system: an offline assistant that makes web pages and small programs for
non-developers."""
