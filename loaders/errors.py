"""Errors of the loaders package. Each names the file and says why it could not be read."""


class LoaderError(Exception):
    """Root of every loader error."""


class UnsupportedFormatError(LoaderError):
    """The file's type is not one policykg reads."""


class UnreadableFileError(LoaderError):
    """The file could not be decoded or has no usable text."""


class FileTooLargeError(LoaderError):
    """The file is larger than the configured limit; refused before any parsing."""
