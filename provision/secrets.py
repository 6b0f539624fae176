"""The link signing keys as an SSM ``SecureString`` parameter.

Generated once when absent and never read back or printed here: the app reads
them at run time through ``chalicelib.secrets`` from the parameter names this
step writes into the stage's environment (``<NAME>_PARAM``). A value that is
already there is left alone, so rotating one is an operator's ``put-parameter``
(with ``--key-id alias/partnerline-<stage>-secrets``) and a re-run of
provisioning never undoes it.

Every parameter is encrypted with the stage's own KMS key
(``provision/secrets_key.py``), whose policy lets only the functions that read
a secret decrypt it. A parameter written before that key existed (under
``aws/ssm``) is moved onto it once: its value is read and put back under the
key, in this process's memory only, never printed.
"""

from __future__ import annotations

import secrets as _random
from collections.abc import Callable
from typing import Any

from chalicelib import names
from provision import resources


def _signing_keys() -> str:
    # "kid:key": the kid names the key inside each link, so a second key can be
    # added in front ("new:...,old:...") and old links still verify.
    return f"k{_random.token_hex(4)}:{_random.token_urlsafe(32)}"


GENERATORS: dict[str, Callable[[], str]] = {
    "LINK_SIGNING_KEYS": _signing_keys,
}
# Secrets of before, deleted by `make destroy` when an older deploy left them:
# the shared admin token gave way to operators' own sign-in (provision/cognito.py).
RETIRED = resources.RETIRED_SECRETS
assert tuple(GENERATORS) == resources.SECRETS, "a secret is declared in provision/resources.py"
parameter_name = resources.parameter_name


def parameter_arn(region: str, account: str, stage: str, secret: str) -> str:
    return resources.catalogue(stage, region, account).get(f"parameter:{secret}").arn or ""


def _described(ssm: Any, name: str) -> dict[str, Any] | None:
    # describe_parameters reads only metadata: the value never reaches this process.
    found = ssm.describe_parameters(
        ParameterFilters=[{"Key": "Name", "Option": "Equals", "Values": [name]}]
    )["Parameters"]
    return found[0] if found else None


def under_key(described: dict[str, Any], key_arn: str, alias: str) -> bool:
    """Whether a parameter's KeyId (as SSM reports it: ARN, id or alias) is the key."""
    key_id = described.get("KeyId", "")
    return key_id in (key_arn, key_arn.rsplit("/", 1)[-1], alias)


def ensure(prov: Any) -> dict[str, str]:
    """Create the stage's secrets when absent, each under the stage's KMS key;
    return the env naming them."""
    from provision import secrets_key

    ssm = prov.client("ssm")
    key_arn = secrets_key.ensure(prov)
    alias = secrets_key.alias_name(prov.stage)
    env = {}
    for secret, generate in GENERATORS.items():
        name = parameter_name(prov.stage, secret)
        described = _described(ssm, name)
        if described is None:
            ssm.put_parameter(Name=name, Value=generate(), Type="SecureString",
                              KeyId=key_arn, Overwrite=False,
                              Description=f"{names.APP_NAME} {prov.stage}: {secret}")
            prov.changed(f"secret {name} (generated, not shown)")
        elif not under_key(described, key_arn, alias):
            value = ssm.get_parameter(Name=name, WithDecryption=True)["Parameter"]["Value"]
            ssm.put_parameter(Name=name, Value=value, Type="SecureString", KeyId=key_arn,
                              Overwrite=True)
            del value
            prov.changed(f"secret {name}: now under {alias} (value kept, not shown)")
        env[f"{secret}_PARAM"] = name
    prov.env.update(env)
    return env
