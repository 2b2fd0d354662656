"""The one exception type for user mistakes.

Console scripts catch :class:`UserError` and print its message on one line with a
non-zero exit code; anything else is a bug and keeps its traceback.
"""


class UserError(Exception):
    """A mistake the user can fix: a bad table row, an unreadable file, a wrong option."""


class TableError(UserError):
    """A parameter table that cannot be resolved. The message names the file and row."""


class ImageError(UserError):
    """An image file that cannot be read or written. The message names the file."""
