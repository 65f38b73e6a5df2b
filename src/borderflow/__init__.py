"""BorderFlow: open software for land ports of entry."""

__version__ = "0.1.0"
