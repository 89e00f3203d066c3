"""The function declarations are the single source of routes, handlers and grants."""

import importlib
import textwrap

import pytest

from infra.workspace import DeclarationError, load, user_data_registry, workspace


def test_every_declared_function_has_its_handler_module():
    for fn in workspace().functions.values():
        module = importlib.import_module(fn.module)
        handler = getattr(module, "handler", None)
        assert callable(handler), fn.name
        assert fn.source_dir.is_dir()


def test_public_flag_of_handlers_matches_declarations():
    for fn in workspace().functions.values():
        if not fn.routes:
            continue
        handler = importlib.import_module(fn.module).handler
        assert getattr(handler, "public", False) == (fn.auth == "none"), fn.name


def test_delete_user_may_purge_every_user_data_table():
    ws = workspace()
    registry = user_data_registry(ws)
    delete = ws.functions["delete_user"]
    for table in registry["tables"]:
        assert "d" in delete.tables.get(table, ""), f"delete_user cannot purge {table}"
    for secret in registry["secrets"]:
        assert "d" in delete.secrets.get(secret, "")
    for bucket in registry["buckets"]:
        assert "d" in delete.buckets.get(bucket, "")


def test_async_triggers_are_flagged():
    ws = workspace()
    assert ws.functions["parse_invoice"].is_async_trigger
    assert not ws.functions["login_user"].is_async_trigger


def write_workspace(tmp_path, functions_toml):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """
            [tool.paypulse.tables.users]
            hash_key = "UserID"
            attributes = { UserID = "S" }
            """
        )
    )
    svc = tmp_path / "services" / "demo"
    svc.mkdir(parents=True)
    (svc / "pyproject.toml").write_text(textwrap.dedent(functions_toml))
    return tmp_path


@pytest.mark.parametrize(
    "decl",
    [
        '[tool.paypulse.functions.x]\nroutes = ["FETCH /v1/x"]\n',
        '[tool.paypulse.functions.x]\nroutes = ["GET /v1/x"]\ntables = { nope = "r" }\n',
        '[tool.paypulse.functions.x]\nroutes = ["GET /v1/x"]\ntables = { users = "admin" }\n',
        '[tool.paypulse.functions.x]\ndescription = "no trigger"\n',
        '[tool.paypulse.functions.x]\nroutes = ["GET /v1/x"]\nlayers = ["docker"]\n',
        '[tool.paypulse.functions.x]\nroutes = ["GET /v1/x"]\n[tool.paypulse.functions.y]\nroutes = ["GET /v1/x"]\n',
    ],
)
def test_bad_declarations_are_rejected(tmp_path, decl):
    with pytest.raises(DeclarationError):
        load(write_workspace(tmp_path, decl))


def test_handler_string_is_derived_not_typed():
    fn = workspace().functions["login_user"]
    assert fn.handler == "paypulse_users.handlers.login_user.handler"
