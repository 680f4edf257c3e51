"""Typed configuration: config/platform.yaml and one config/environments/<name>.yaml per environment.

These files are what a person or a bot edits; everything else reads these models, so a value lives
in one place. `load` refuses bad input with one line per problem and nothing is synthesized then.
The modules: `types` (value forms), `alerts` (each alert's key and default policy), `environment`,
`platform`, `secrets` (the out-of-band Secrets' names, keys and form), `loading` (reading, messages, checks).
"""

from podinfo_canary.config.alerts import *  # noqa: F403
from podinfo_canary.config.environment import *  # noqa: F403
from podinfo_canary.config.loading import *  # noqa: F403
from podinfo_canary.config.loading import _validate  # noqa: F401 (the tests validate one model alone)
from podinfo_canary.config.platform import *  # noqa: F403
from podinfo_canary.config.secrets import *  # noqa: F403
from podinfo_canary.config.types import *  # noqa: F403
