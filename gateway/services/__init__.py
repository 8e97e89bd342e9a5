"""What the routes call: the gateway's rules over a SQLAlchemy session, free of HTTP.

A service works inside the transaction its caller opened; it raises `ProblemError` for an answer
the API gives as problem+json.
"""
