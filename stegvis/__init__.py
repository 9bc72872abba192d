"""Stegvis: the application around surveys/ and indicators/ (configuration,
accounts, access control, command line, demo data)."""
