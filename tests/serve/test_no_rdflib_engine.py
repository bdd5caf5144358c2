"""Serving never runs a query on rdflib's SPARQL engine, by any path.

The trap (issue 7): a query pre-parsed by rdflib (``prepareQuery``) and run on an rdflib graph
backed by Oxigraph silently runs on rdflib's own engine, 10-30 times slower than the string sent
to Oxigraph. ``test_sparql.py`` patches the engine's entry points for the endpoint's tests, but
a patch misses a ``from rdflib.plugins.sparql import prepareQuery`` bound before it, and covers
neither the pages nor the query worker processes.

So the check here is stronger: in a fresh interpreter, the application is created and every
route is requested (pages, data documents, graphs, the catalogue with every query run, the
endpoint with each query form, search, downloads, operations), and afterwards **no module of
``rdflib.plugins.sparql`` may have been imported at all** — nothing can have been parsed,
prepared or evaluated by rdflib. The query worker's module (what the fork server preloads, and
all a worker runs) is checked the same way. A planted regression (the pages' queries pre-parsed
with ``prepareQuery``) proves the check fails when it should.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from ungraph.web.catalogue import catalogue

DOC = "https://w3id.org/ungraph/id/document/doc-1"

# Run in a fresh interpreter: argv = store location, then "plant" to plant the regression.
SCRIPT = textwrap.dedent(
    """
    import json, sys

    from ungraph.web import create_app

    location, plant, paths = sys.argv[1], sys.argv[2] == "plant", json.loads(sys.argv[3])
    if plant:
        # The regression this test exists for: the pages' queries pre-parsed by rdflib.
        from rdflib.plugins.sparql import prepareQuery
        import ungraph.web.prepared as prepared

        original = prepared.run

        def run(store, name, **kwargs):
            prepareQuery(prepared.query_text(name))
            return original(store, name, **kwargs)

        prepared.run = run
    app = create_app(
        {
            "TESTING": True,
            "UNGRAPH_STORE": location,
            "UNGRAPH_RATE_LIMIT": 0,
            "UNGRAPH_QUERY_WORKERS": 0,
            "UNGRAPH_STORE_CHECK_INTERVAL": 0,
        }
    )
    client = app.test_client()
    statuses = {path: client.get(path).status_code for path in paths}
    form = client.post("/sparql", data={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 3"})
    statuses["POST /sparql"] = form.status_code
    app.extensions["ungraph"].close()
    loaded = sorted(m for m in sys.modules if m.startswith("rdflib.plugins.sparql"))
    print(json.dumps({"statuses": statuses, "loaded": loaded}))
    """
)

WORKER_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import ungraph.web.worker, ungraph.web.executor
    print(json.dumps(sorted(m for m in sys.modules if m.startswith("rdflib.plugins.sparql"))))
    """
)


def _sparql(query: str) -> str:
    from urllib.parse import quote

    return "/sparql?query=" + quote(query, safe="")


def serving_paths() -> list[str]:
    """Every route of the application, with the test dataset's resources where it takes one."""
    paths = [
        "/",
        "/.well-known/void",
        "/void",
        "/dataset",
        "/downloads/",
        "/healthz",
        "/metrics",
        "/ontology",
        "/shapes",
        "/queries",
        "/queries.json",
        "/query",
        "/search?q=test",
        "/sparql",
        "/id/document/doc-1",
        "/id/document/doc-1.ttl",
        "/page/document/doc-1",
        "/page/person/alice-example",
        f"/page?iri={DOC}",
        "/data/document/doc-1.ttl",
        "/data/document/doc-1.jsonld",
        "/data/document/doc-1",
        f"/data?iri={DOC}",
        "/data/document/doc-1.framed.jsonld",
        "/graph/document/doc-1.ttl",
        "/graph/registry",
        _sparql("SELECT ?d WHERE { ?d a <https://w3id.org/ungraph/ontology#Document> }"),
        _sparql("ASK { ?s ?p ?o }"),
        _sparql("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"),
        _sparql(f"DESCRIBE <{DOC}>"),
    ]
    for query in catalogue():
        paths += [f"/queries/{query.name}", f"/queries/{query.name}.json"]
    return paths


def _serve_everything(store_dir: str, *, plant: bool) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SCRIPT,
            store_dir,
            "plant" if plant else "clean",
            json.dumps(serving_paths()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_serving_every_route_never_loads_rdflib_sparql(store_dir: str) -> None:
    result = _serve_everything(store_dir, plant=False)
    statuses = result["statuses"]
    # Every route really ran (a 500 would hide a path from this check).
    assert not {p: s for p, s in statuses.items() if s >= 500}, statuses
    assert statuses["/page/document/doc-1"] == 200
    assert statuses["/data/document/doc-1.ttl"] == 200
    assert statuses["POST /sparql"] == 200
    assert sum(1 for p, s in statuses.items() if p.startswith("/queries/") and s == 200) >= 2
    assert result["loaded"] == [], f"serving imported rdflib's SPARQL engine: {result['loaded']}"


def test_the_check_catches_a_query_pre_parsed_by_rdflib(store_dir: str) -> None:
    result = _serve_everything(store_dir, plant=True)
    assert "rdflib.plugins.sparql.processor" in result["loaded"]
    assert result["statuses"]["/page/document/doc-1"] == 200  # the trap is silent otherwise


def test_query_workers_never_load_rdflib_sparql() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WORKER_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout) == []


def test_this_file_names_the_modules_it_guards() -> None:
    # The worker check imports what the fork server preloads; if that changes, so must this.
    executor = Path(__file__).parents[2] / "src" / "ungraph" / "web" / "executor.py"
    assert 'clean_context(preload=["ungraph.web.worker"])' in executor.read_text("utf-8")
