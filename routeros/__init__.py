"""RouterOS convergence over the API (librouteros)."""
