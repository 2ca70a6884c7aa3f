"""Everything this plugin knows about oio, in one package.

Which attributes of the shell hold the clients and what the running oio
accepts (host), what its exceptions mean (errors), the bases a service
holds (listing), one run's requests (session) and one base's (calls,
base, filecheck). oio is never imported here: the running ``openio`` shell
hands us its clients, and exceptions are recognised by class name, so the
package imports (and is tested) where oio is absent.

Supported: oio 6.0.0 (the first Python 3 oio) to current.
"""

from oio_election_sync.oioclient.base import copy_path
from oio_election_sync.oioclient.errors import class_names
from oio_election_sync.oioclient.host import (
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    account_of,
    meta1_digits,
    shell_timeout,
)
from oio_election_sync.oioclient.listing import (
    meta0_base,
    meta1_bases,
    meta2_bases,
)
from oio_election_sync.oioclient.session import Session

__all__ = (
    "DEFAULT_TIMEOUT",
    "MAX_TIMEOUT",
    "Session",
    "account_of",
    "class_names",
    "copy_path",
    "meta0_base",
    "meta1_bases",
    "meta1_digits",
    "meta2_bases",
    "shell_timeout",
)
