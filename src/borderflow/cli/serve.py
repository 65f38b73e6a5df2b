"""``borderflow serve``: the web API (and, when installed, the pages) with uvicorn."""

from __future__ import annotations

import os

import typer

from borderflow.cli.context import err, state
from borderflow.settings import setting


def serve_command(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="TCP port."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    cache_seconds: float = typer.Option(
        1.0, "--cache-seconds", min=0.0, max=3600.0,
        help="Check whether the archive grew at most this often; an outdated answer is served while "
             "its renewal runs (0: check on every request and never serve an outdated answer)."),
    forwarded_allow_ips: str = typer.Option(
        lambda: setting("forwarded_allow_ips"), "--forwarded-allow-ips", show_default=False,
        help="Comma-separated addresses of reverse proxies whose X-Forwarded-For/-Proto to trust "
             "(default: none, so the audit keeps the peer address as connected; env "
             "BORDERFLOW_FORWARDED_ALLOW_IPS)."),
) -> None:
    """Serve the archive: REST API under /api/v1, CBP's feed at /api/bwtnew and /xml/bwt.xml, docs at /docs."""
    import uvicorn

    from borderflow.settings import database_url

    cli = state(ctx)
    cli.engine()  # migrate and seed the catalog once, before any worker starts
    # Workers are separate processes: they find the database and settings in the environment.
    os.environ["BORDERFLOW_DATABASE_URL"] = database_url(cli.db)
    os.environ["BORDERFLOW_API_CACHE_SECONDS"] = str(cache_seconds)
    err.print(f"serving on http://{host}:{port} (docs at /docs); Ctrl-C stops", markup=False, highlight=False)
    proxies = forwarded_allow_ips.strip()
    # Proxy headers only from proxies the operator names: otherwise any client could write the
    # address the audit keeps (uvicorn trusts 127.0.0.1 by default).
    uvicorn.run("borderflow.api.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                log_level=os.environ.get("BORDERFLOW_LOG_LEVEL", "warning").lower(), access_log=False,
                proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
