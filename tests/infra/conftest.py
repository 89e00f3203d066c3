"""Fixtures for the infra tests: one offline (mocked) run of the program per session, and
parliament importable under filterwarnings=error."""

from __future__ import annotations

import sys
import types
import warnings
from importlib.resources import files

import pytest

from infra.workspace import workspace

STACK = "test"
SECRET_VALUES = {
    "paypulse:googleClientId": "1234567890-TESTCLIENTIDVALUEabc.apps.googleusercontent.com",
    "paypulse:geminiApiKey": "AIzaTESTgeminiKEYvalue0123456789abcdefgh",
    "paypulse:apnsSigningKey": "-----BEGIN PRIVATE KEY-----\nMIGTAgEAtest\n-----END PRIVATE KEY-----",
}
CONFIG = {
    "aws:region": "eu-west-1",
    "paypulse:artifacts": "sources",
    "paypulse:apnsKeyId": "KEYID12345",
    "paypulse:apnsTeamId": "TEAMID1234",
    "paypulse:apnsBundleId": "se.paypulse.app",
    "paypulse:logRetentionDays": "30",
    "paypulse:pointInTimeRecovery": "true",
    "paypulse:deletionProtection": "true",
    **SECRET_VALUES,
}


@pytest.fixture(scope="session")
def secret_values() -> dict[str, str]:
    return dict(SECRET_VALUES)


@pytest.fixture(scope="session")
def ws():
    return workspace()


@pytest.fixture(scope="session")
def offline(tmp_path_factory):
    """The whole program under Pulumi mocks (set before infra.program is imported)."""
    from infra.mocks import run_offline

    config = dict(CONFIG, **{"paypulse:buildDir": str(tmp_path_factory.mktemp("lambda-build"))})
    return run_offline(config, stack=STACK, secret_keys=list(SECRET_VALUES))


def _import_parliament():
    # parliament 1.6.4 imports pkg_resources (gone from setuptools >= 81) only for
    # resource_filename, and has invalid escape sequences (DeprecationWarning on 3.11).
    if "pkg_resources" not in sys.modules:
        shim = types.ModuleType("pkg_resources")
        shim.resource_filename = lambda package, name: str(files(package) / name)
        sys.modules["pkg_resources"] = shim
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        import parliament
    return parliament


@pytest.fixture(scope="session")
def parliament():
    return _import_parliament()
