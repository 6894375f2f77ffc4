"""Pulumi components and the pure planning modules (spec, naming, address plan, access policy).

Importing this package must not import pulumi: tenant_sql and freeradius use the pure modules.
"""
