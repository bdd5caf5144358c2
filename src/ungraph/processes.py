"""How ungraph starts its worker processes (build workers, query workers)."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import tempfile
from collections.abc import Sequence

SOCKET_PATH_MAX = 107  # bytes of a Unix socket's path (sun_path holds 108 with its NUL)


def clean_context(preload: Sequence[str] = ()) -> multiprocessing.context.BaseContext:
    """Workers from a fork server, a clean single-threaded process, rather than forked from a
    main process whose threads (a progress bar, Oxigraph's, a web server's) may hold locks at
    the moment of the fork; ``preload`` names modules the server imports once for them all.

    The fork server listens on a Unix socket in the temporary folder, whose path may not exceed
    107 bytes: under a deeper folder (``TMPDIR``) it cannot start ("AF_UNIX path too long"), and
    workers are spawned instead — fresh interpreters too, a little slower to start.
    """
    # The socket's path as multiprocessing makes it: <tmp>/pymp-XXXXXXXX/listener-XXXXXXXX.
    socket = os.path.join(tempfile.gettempdir(), "pymp-" + "x" * 8, "listener-" + "x" * 8)
    if len(os.fsencode(socket)) > SOCKET_PATH_MAX:
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    if preload:
        context.set_forkserver_preload(list(preload))
    return context
