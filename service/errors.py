"""Errors of the service layer that are not the graph's, the loaders' or the embedders'.
The API maps them to HTTP statuses in ``service.api.problems``."""


class ServiceError(Exception):
    """Root of the service layer's own errors."""


class NotFoundError(ServiceError):
    """No document, task, entity or node has the id asked for."""


class InvalidUploadError(ServiceError):
    """An upload without a usable file name."""


class InvalidRequestError(ServiceError):
    """A request past one of this server's limits (a question too long, too many results):
    ``errors`` holds each field's location and message, as a 422 lists them."""

    def __init__(self, loc: tuple[str, ...], message: str) -> None:
        self.errors = [{"loc": list(loc), "msg": message}]
        super().__init__(f"{'.'.join(loc)}: {message}")
