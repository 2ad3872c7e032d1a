"""gunicorn's settings for the Newsroom app (`make serve`; README "Running in production").

Read from the environment like the Django settings:

    BIND                 address:port to listen on (127.0.0.1:8000)
    WEB_CONCURRENCY      worker processes (2); about 2 per CPU core
    FORWARDED_ALLOW_IPS  comma-separated addresses of the proxies whose
                         X-Forwarded-Proto gunicorn believes (none)

Anything else gunicorn offers goes in GUNICORN_CMD_ARGS, e.g.
GUNICORN_CMD_ARGS="--timeout 60".
"""

import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# gunicorn believes X-Forwarded-Proto (and marks the request HTTPS) from
# 127.0.0.1 unless told otherwise, so a client talking to a proxy on the same
# machine that passes the header on could claim HTTPS. Trust no address
# unless the deployment names its proxies; Django's own
# SECURE_PROXY_SSL_HEADER is the usual way to say it.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "")
# One line per request on stdout (4xx included, which the app does not log).
accesslog = "-"
# Recent gunicorn opens a control socket in ~/.gunicorn/; two servers on one
# machine (two app servers, a test run) would fight over it. Unused here.
control_socket_disable = True
