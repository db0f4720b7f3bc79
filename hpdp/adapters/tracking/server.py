"""The MLflow tracking server that `hpdp up` starts: `python -m hpdp.adapters.tracking.server <mlflow server options>`.

With basic auth (`--app-name basic-auth`, and in the environment MLFLOW_AUTH_CONFIG_PATH,
MLFLOW_AUTH_ADMIN_USERNAME and MLFLOW_AUTH_ADMIN_PASSWORD) it first writes the auth configuration at that path,
readable by its owner only, with the users in `<that path>.db` (likewise), and gives the admin the configured password:
MLflow sets it only when it creates the user, so a changed password would otherwise not take. Then it runs
`mlflow server` in this process.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

AUTH_APP = "basic-auth"


def write_auth_config(path: Path) -> None:
    """The auth configuration (no secret in it: the admin's name and password come from the environment)."""
    database = path.with_suffix(".db")
    text = (
        "[mlflow]\n"
        "default_permission = READ\n"
        f"database_uri = sqlite:///{database.as_posix()}\n"
        "authorization_function = mlflow.server.auth:authenticate_request_basic_auth\n"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    path.chmod(0o600)  # a file from before keeps its mode through os.open
    database.touch(mode=0o600, exist_ok=True)  # SQLite keeps the mode of the file it opens: the password hashes
    database.chmod(0o600)


def sync_admin() -> None:
    """Create the admin with the configured password, or give an existing admin that password."""
    from mlflow.server.auth.config import read_auth_config
    from mlflow.server.auth.sqlalchemy_store import SqlAlchemyStore

    config = read_auth_config()
    user, password = config.admin_username, config.admin_password
    if not user or not password:
        return  # MLflow itself says what is missing
    store = SqlAlchemyStore()
    store.init_db(config.database_uri)
    if not store.has_user(user, use_primary=True):
        store.create_user(user, password, is_admin=True)
    elif not store.authenticate_user(user, password, use_primary=True) or not store.get_user(user).is_admin:
        store.update_user(user, password=password, is_admin=True)


def main(args: list[str]) -> None:
    config = os.environ.get("MLFLOW_AUTH_CONFIG_PATH")
    if AUTH_APP in args and config:
        write_auth_config(Path(config))
        sync_admin()
    from mlflow.cli import cli

    cli.main(args=["server", *args], prog_name="mlflow")


if __name__ == "__main__":
    main(sys.argv[1:])
