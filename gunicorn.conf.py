"""Settings gunicorn reads from the working directory (``gunicorn "clinic:create_app()"``).

Only a hook: each worker prepares its PDF renderers (fonts, stylesheets, templates) on a
thread as soon as it has loaded the app, so the first handout after a start or a worker
restart is about as fast as any other (see docs/benchmarks.md). Command-line options and
``GUNICORN_CMD_ARGS`` still set everything else.
"""

import sys


def post_worker_init(worker):
    if "clinic.handouts.service" not in sys.modules:
        return  # another app served from this folder (the benchmarks' bare Flask app)
    from clinic.handouts.service import prepare_in_background

    prepare_in_background(worker.wsgi)
