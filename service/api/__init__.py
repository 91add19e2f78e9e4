"""The HTTP API: the FastAPI app, its routers, access control and error responses."""
