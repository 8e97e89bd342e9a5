"""The gateway's HTTP routes, one module per resource, each with its `router`.

Routes read the request, call `gateway.services`, and answer; their dependencies come from
`gateway.deps` (docs/architecture.md, "API rules").
"""
