"""``orfl dashboard``: serve the live ABM dashboard (a Mesa SolaraViz page) on HOST:PORT.

The page is :mod:`agents.abm.dashboard`: sliders for the sequencer bond, the challenge
period, the reward share, the censoring fraction and the number of challengers; live
plots of the fraud and verification rates and of each party's balance. This command
replaces itself with the Solara server (``python -m solara run agents.abm.dashboard``),
so stopping it (Ctrl-C, or a signal to its process id) stops the server.
"""

from __future__ import annotations

import typer

from analyses.commands._common import bad_input, option, registrar

#: The module Solara serves (its ``page``).
DASHBOARD_MODULE = "agents.abm.dashboard"
SERVER = "Server"


def server_argv(host: str, port: int, open_browser: bool = False) -> list[str]:
    """The Solara server's command line for the dashboard."""
    import sys

    return [sys.executable, "-m", "solara", "run", DASHBOARD_MODULE, "--host", host, "--port", str(port),
            "--production", "--open" if open_browser else "--no-open", "--log-level", "warning"]


def dashboard_cmd(
    host: str = option("127.0.0.1", "--host", help="Interface to listen on (0.0.0.0: every interface).",
                       panel=SERVER, metavar="HOST"),
    port: int = option(8765, "--port", help="TCP port (0: a free port, printed by the server).", panel=SERVER,
                       show_default="8765",
                       metavar="PORT"),
    open_browser: bool = option(False, "--open", help="Open the page in the default browser.", panel=SERVER),
) -> None:
    """Serve the live ABM dashboard: protocol sliders, fraud/verification rates and balances."""
    import importlib.util
    import os

    if not 0 <= port <= 65535:
        bad_input("--port", port, "an integer in [0, 65535]")
    missing = [m for m in ("solara", "altair") if importlib.util.find_spec(m) is None]
    if missing:
        bad_input("dashboard", "missing " + ", ".join(missing), "Mesa's visualization extra: pip install 'mesa[viz]'")
    argv = server_argv(host, port, open_browser)
    typer.echo(f"orfl dashboard: serving {DASHBOARD_MODULE} at http://{host}:{port}/ (Ctrl-C stops)", err=True)
    # no usage telemetry from a local research tool; the page's assets come from the
    # solara-assets package (offline), not from a CDN
    env = {**os.environ, "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    os.execve(argv[0], argv, env)


register = registrar(
    "dashboard", dashboard_cmd,
    ("orfl dashboard", "serve the dashboard at http://127.0.0.1:8765/"),
    ("orfl dashboard --port 8800 --open", "another port, and open it in the browser"),
    ("orfl dashboard --host 0.0.0.0", "reachable from other machines (no authentication: trusted networks only)"),
)
