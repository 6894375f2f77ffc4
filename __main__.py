"""Pulumi program: stack file -> validated spec -> Platform and one Tenant per tenant."""

from components.program import run

run()
