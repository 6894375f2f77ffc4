"""Tenant SQL: versioned migrations, the migrator, the tenant context for applications."""
