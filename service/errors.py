"""Errors of the service layer that are not the graph's, the loaders' or the embedders'.
The API maps them to HTTP statuses in ``service.api.problems``."""


class ServiceError(Exception):
    """Root of the service layer's own errors."""


class NotFoundError(ServiceError):
    """No document, task, entity or node has the id asked for."""


class InvalidUploadError(ServiceError):
    """An upload without a usable file name."""
