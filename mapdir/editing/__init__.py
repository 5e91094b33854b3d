"""Editing back-office: accounts and roles, edits with history, overrides kept across imports."""
