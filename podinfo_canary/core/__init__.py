"""Names, PromQL builders, notifications and out-of-band Secrets shared by the charts, canaryctl and the model (no Node, no numpy)."""
