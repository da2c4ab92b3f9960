"""The desk's pages, one module each, every one with a `routes` list (web/app.py names them)."""
