"""Telegram handlers, one module per capability; bot/wiring.py puts them on the Application."""
