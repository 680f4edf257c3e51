"""The audit chart (dist/audit/): the API server's audit Policy, applied by hand, never synced."""
