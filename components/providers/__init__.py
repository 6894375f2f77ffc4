"""Pulumi dynamic providers: thin adapters over the plain converge functions."""
