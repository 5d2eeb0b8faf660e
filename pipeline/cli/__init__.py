"""One module per command; see ``pipeline/__main__.py``.

A command module defines ``register(sub)``::

    def register(sub):
        p = sub.add_parser("name", help="one line shown by --help")
        p.add_argument(...)
        p.set_defaults(func=run)

    def run(args) -> int: ...

Heavy imports go inside ``run`` so ``--help`` stays fast.
"""
