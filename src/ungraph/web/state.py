"""The store the pages read, from the application's handle (``app.extensions["ungraph"]``)."""

from __future__ import annotations

from flask import abort, current_app

from ungraph.store import GraphStore, StoreError


def current_store() -> GraphStore:
    """The read-only store of this application, reopened by the handle after a build; 503
    (in the JSON error shape) while there is no store yet."""
    handle = current_app.extensions["ungraph"]
    try:
        store: GraphStore = handle.store
    except StoreError as error:
        abort(503, description=str(error))
    return store
