"""Fuzz targets for the zip layer, the binary XML layer and the DEX reader (see run.py)."""
