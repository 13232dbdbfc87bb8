"""Log-in and the administrator's console of organisations, users, enterprises and clients."""

from ui.i18n import identity as _words  # noqa: F401 - the console's words for the lifecycle pages (#18)
