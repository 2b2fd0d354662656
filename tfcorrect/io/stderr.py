"""Lines that C libraries write straight to file descriptor 2, kept from the user when they are noise."""

import contextlib
import os
import sys
import tempfile


@contextlib.contextmanager
def filtered_stderr(noise):
    """Catch what is written to file descriptor 2 inside the block; write back the lines ``noise`` does not match.

    For C and C++ code (TensorFlow's start, LiteRT's delegate, libpng) that writes to the process's
    stderr directly, where ``sys.stderr`` redirection cannot reach. The lines kept are written
    back when the block ends, also when it raises.

    Args:
        noise: a compiled regular expression; lines it matches (``noise.match``) are dropped.
    """
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            yield
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            kept = [line for line in caught.read().decode(errors="replace").splitlines(keepends=True)
                    if not noise.match(line)]
            sys.stderr.write("".join(kept))
            sys.stderr.flush()
