"""Settings, errors, i18n and logging: what every other package may import."""
