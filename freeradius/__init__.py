"""FreeRADIUS configuration rendered from the validated spec."""
