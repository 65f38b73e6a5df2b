"""``borderflow serve``: the web API (and, when installed, the pages) with uvicorn."""

from __future__ import annotations

import errno
import os
import socket

import typer

from borderflow.cli.context import err, state
from borderflow.errors import BorderFlowError
from borderflow.settings import setting

#: Connections the kernel queues before the server accepts them (uvicorn's default).
BACKLOG = 2048


def _address(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def listening_socket(host: str, port: int) -> socket.socket:
    """A socket bound to ``host:port`` and listening, made as uvicorn makes it; an address
    that cannot be used is one BorderFlowError naming it and the fix."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto named, as getaddrinfo gives it: asyncio turns Nagle's algorithm off
    # (TCP_NODELAY) only on connections of a socket whose proto is IPPROTO_TCP. With
    # proto 0 a keep-alive response written in two parts waited for the client's delayed
    # acknowledgement, about 40 ms a request.
    sock = socket.socket(family=family, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            fix = "the address is already in use; serve on another port with --port, or stop what uses it"
        elif exc.errno == errno.EACCES:
            fix = "permission denied; ports below 1024 need the rights to bind them: use --port 1024 or above"
        elif exc.errno == errno.EADDRNOTAVAIL or isinstance(exc, socket.gaierror):
            fix = (f"{exc.strerror or exc}; --host must be an address of this machine: 127.0.0.1 (this machine "
                   "only) or 0.0.0.0 (every interface)")
        else:
            fix = f"{exc.strerror or exc}; check --host and --port"
        raise BorderFlowError(f"cannot listen on {_address(host, port)}: {fix}") from None
    sock.set_inheritable(True)  # the worker processes serve on it
    return sock


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
    # the planning routes' "at most N at once" holds across the workers: slots are lock
    # files in a folder of this port's, removed when the server stops, and reused by the
    # next server on the port when it could not be (SIGTERM ends it before any clean-up)
    from borderflow.services.isolation import SLOTS_SETTING, slots_folder

    slots = slots_folder(port)
    os.environ[SLOTS_SETTING] = slots
    proxies = forwarded_allow_ips.strip()
    # Proxy headers only from proxies the operator names: otherwise any client could write the
    # address the audit keeps (uvicorn trusts 127.0.0.1 by default).
    config = uvicorn.Config("borderflow.api.app:app_from_environment", factory=True, host=host, port=port,
                            workers=workers, log_level=os.environ.get("BORDERFLOW_LOG_LEVEL", "warning").lower(),
                            access_log=False, proxy_headers=bool(proxies), forwarded_allow_ips=proxies or None,
                            backlog=BACKLOG)
    # Bound here, not by uvicorn: an address in use is one line and exit 1, and "serving on"
    # is said only once the socket listens (connections queue until the workers take them).
    sock = listening_socket(host, port)
    err.print(f"serving on {_address(host, port)} (docs at /docs); Ctrl-C stops", markup=False, highlight=False)
    try:
        if workers > 1:
            from uvicorn.supervisors import Multiprocess

            Multiprocess(config, sockets=[sock]).run()
            return
        server = uvicorn.Server(config)
        try:
            server.run(sockets=[sock])
        except SystemExit:  # uvicorn's way of saying the application did not start
            server.started = False
        if not server.started:
            raise BorderFlowError("the server stopped before it started serving (the messages above say why); "
                                  "run again with BORDERFLOW_LOG_LEVEL=info for more")
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()
        import shutil

        shutil.rmtree(slots, ignore_errors=True)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
