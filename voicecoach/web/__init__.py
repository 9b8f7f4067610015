"""``voicecoach serve``: the practice room, the takes, the trainer's dashboard and uploads in a local
web page, with the same engine underneath (pipeline, report, compare, batch, history) and nothing
leaving the machine.

``app.py`` builds the Starlette app (the only module tree that imports the web framework);
``security.py`` holds the Host check, the token, the CSRF check and the upload cap; one module per
page (``practice.py``, ``takes.py``, ``dashboard.py``, ``upload.py``); ``engine.py`` the calls into
the library that the pages share; ``voicecoach/cli/serve.py`` is the ``serve`` command.
"""
