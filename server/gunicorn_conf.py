"""gunicorn settings for Stride: `gunicorn -c server/gunicorn_conf.py`.

Every setting can be changed from the environment (see docs/deploy.md):

- STRIDE_BIND (default 127.0.0.1:8000), STRIDE_WORKERS (default 2 x cores),
  STRIDE_THREADS (default 1: sync workers; more gives gthread workers),
  STRIDE_PRELOAD (default 1: import the app once in the master, then fork),
  STRIDE_ACCESS_LOG (a path or "-"; default: no access log).
- DATABASE_URL (default: the instance SQLite file), and for PostgreSQL
  STRIDE_DB_POOL_SIZE / STRIDE_DB_MAX_OVERFLOW per worker (defaults follow the threads).

Web workers never start a scheduler: run `flask --app server scheduler run` once, beside them.
"""

import multiprocessing
import os

wsgi_app = "server:create_app()"
bind = os.environ.get("STRIDE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("STRIDE_WORKERS", 2 * multiprocessing.cpu_count()))
threads = int(os.environ.get("STRIDE_THREADS", 1))
worker_class = "gthread" if threads > 1 else "sync"
preload_app = os.environ.get("STRIDE_PRELOAD", "1") == "1"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = os.environ.get("STRIDE_ACCESS_LOG") or None
errorlog = "-"
proc_name = "stride"
# Recent gunicorn opens a control socket in ~/.gunicorn; two servers on one host would share it.
control_socket_disable = True

# A worker serves `threads` requests at once, so that many connections (plus a little slack)
# is all its pool needs: PostgreSQL sees workers x (pool_size + max_overflow) at most.
os.environ.setdefault("STRIDE_DB_POOL_SIZE", str(threads))
os.environ.setdefault("STRIDE_DB_MAX_OVERFLOW", "2")


def post_fork(server, worker):
    """Drop the connections the master's app may hold: a socket shared across a fork breaks."""
    if not server.cfg.preload_app:
        return
    from server.extensions import db

    app = worker.app.wsgi()
    with app.app_context():
        # close=False: leave the parent's sockets alone, just forget them in this child.
        db.engine.dispose(close=False)
