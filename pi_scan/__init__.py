"""pi-scan: checks Android apps for unlawful collection of personal information."""

__version__ = "0.1.0"
