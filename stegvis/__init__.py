"""Stegvis: the application around surveys/ and indicators/ (configuration,
accounts, access control, command line, demo data)."""

from importlib.metadata import PackageNotFoundError, version as _package_version

try:
    __version__ = _package_version("stegvis")
except PackageNotFoundError:  # running from a checkout that was never installed
    __version__ = "0+unknown"
