import pytest

from infra.workspace import env_name
from paypulse_common.errors import ConfigurationError
from paypulse_common.settings import load_settings

BASE = {"AWS_REGION": "eu-west-1", "PAYPULSE_STACK": "dev"}


def test_reads_the_names_infra_passes():
    env = {
        **BASE,
        env_name("TABLE", "users"): "Users-abc",
        env_name("SECRET", "jwt_signing_key"): "arn:aws:secretsmanager:x:1:secret:jwt",
        env_name("BUCKET", "invoices"): "inv-123",
    }
    s = load_settings(env)
    assert s.table("users") == "Users-abc"
    assert s.secret("jwt_signing_key").endswith(":jwt")
    assert s.bucket("invoices") == "inv-123"
    assert s.stack == "dev"


def test_ungranted_resource_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        load_settings(BASE).table("rental_invoices")


def test_region_required():
    with pytest.raises(ConfigurationError):
        load_settings({})


@pytest.mark.parametrize(
    "var", ["PAYPULSE_GOOGLE_OAUTH_BASE", "PAYPULSE_GMAIL_API_ROOT", "PAYPULSE_AWS_ENDPOINT_URL"]
)
def test_plain_http_only_on_loopback(var):
    assert load_settings({**BASE, var: "http://127.0.0.1:9000/"})
    with pytest.raises(ConfigurationError):
        load_settings({**BASE, var: "http://evil.example.com"})


def test_bad_user_data_registry():
    with pytest.raises(ConfigurationError):
        load_settings({**BASE, "PAYPULSE_USER_DATA": "{oops"})
