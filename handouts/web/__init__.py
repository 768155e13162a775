"""The clinic web app: ``handout serve``.

A second thin door over the same library as the command line. It imports
Starlette and friends only when the server starts, so the command line stays
quick to start.
"""

from .app import Settings, create_app

__all__ = ["Settings", "create_app"]
