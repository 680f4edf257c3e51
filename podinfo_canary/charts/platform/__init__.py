"""The platform chart (dist/argocd/): ArgoCdStack, the platform Applications, the dashboard and the logs."""
