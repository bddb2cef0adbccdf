"""Accounts, roles, passwords, login sessions."""
