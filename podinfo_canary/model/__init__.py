"""A model of Argo Rollouts' canary decisions, fed by synthetic traffic and evaluated PromQL.

`controller` encodes the pinned controller's semantics, `world` makes the series Prometheus
would hold, `promql` evaluates the queries of dist/ on them (proved against a real Prometheus
server by tests/model/test_model.py), `routing` sends one request through the synthesized routes
to the pods a Service selects, and `run` ties them together for tests and `make bench`.
"""
