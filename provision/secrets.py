"""The link signing keys as an SSM ``SecureString`` parameter.

Generated once when absent and never read back or printed here: the app reads
them at run time through ``chalicelib.secrets`` from the parameter names this
step writes into the stage's environment (``<NAME>_PARAM``). A value that is
already there is left alone, so rotating one is an operator's ``put-parameter``
and a re-run of provisioning never undoes it.
"""

from __future__ import annotations

import secrets as _random
from collections.abc import Callable
from typing import Any

from chalicelib import names


def _signing_keys() -> str:
    # "kid:key": the kid names the key inside each link, so a second key can be
    # added in front ("new:...,old:...") and old links still verify.
    return f"k{_random.token_hex(4)}:{_random.token_urlsafe(32)}"


GENERATORS: dict[str, Callable[[], str]] = {
    "LINK_SIGNING_KEYS": _signing_keys,
}
# Secrets of before, deleted by `make destroy` when an older deploy left them:
# the shared admin token gave way to operators' own sign-in (provision/cognito.py).
RETIRED = ("ADMIN_TOKEN",)


def parameter_name(stage: str, secret: str) -> str:
    return f"/{names.APP_NAME}/{stage}/{secret}"


def parameter_arn(region: str, account: str, stage: str, secret: str) -> str:
    # The parameter's name starts with "/", the ARN's resource part drops it.
    return f"arn:aws:ssm:{region}:{account}:parameter{parameter_name(stage, secret)}"


def _exists(ssm: Any, name: str) -> bool:
    # describe_parameters reads only metadata: the value never reaches this process.
    found = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"]
    return bool(found)


def ensure(prov: Any) -> dict[str, str]:
    """Create the stage's secrets when absent; return the env naming them."""
    ssm = prov.client("ssm")
    env = {}
    for secret, generate in GENERATORS.items():
        name = parameter_name(prov.stage, secret)
        if not _exists(ssm, name):
            ssm.put_parameter(Name=name, Value=generate(), Type="SecureString",
                              Overwrite=False,
                              Description=f"{names.APP_NAME} {prov.stage}: {secret}")
            prov.changed(f"secret {name} (generated, not shown)")
        env[f"{secret}_PARAM"] = name
    prov.env.update(env)
    return env
