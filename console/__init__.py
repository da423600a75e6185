"""The staff console: its home page (the marketers' dashboard), its menu by task and the
audit log (docs/console.md). The theme and the admin base classes are in config/console.py."""
