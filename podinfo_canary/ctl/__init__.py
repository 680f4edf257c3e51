"""canaryctl: operate podinfo's rollouts (podinfo_canary/ctl/app.py); `python -m podinfo_canary.ctl`."""
