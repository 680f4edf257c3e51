"""The cdk8s charts, one package per dist/ folder they write."""
