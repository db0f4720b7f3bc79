"""The settings of the MLflow server that `hpdp up` starts: what it stores where, who may reach it, and that its
secrets never show."""

import pytest

from hpdp.application.exposure import TrackingAuthRequiredError, check_tracking_exposure
from hpdp.domain.errors import ConfigError
from hpdp.infrastructure.settings import load_settings


def test_a_postgresql_backend_goes_through_psycopg_3_and_the_default_is_the_tracking_store(tmp_path):
    url = "postgresql://mlf:pw-secret@db:5432/mlflow"
    assert load_settings(mlflow_backend_url=url).resolved_mlflow_backend_url() == (
        "postgresql+psycopg://mlf:pw-secret@db:5432/mlflow"
    )
    assert load_settings(mlflow_backend_url="postgres://db/m").resolved_mlflow_backend_url() == (
        "postgresql+psycopg://db/m"
    )
    assert load_settings(mlflow_backend_url="sqlite:///x.db").resolved_mlflow_backend_url() == "sqlite:///x.db"
    s = load_settings(home=tmp_path)
    assert s.resolved_mlflow_backend_url() == s.resolved_tracking_uri() == f"sqlite:///{tmp_path / 'mlflow.db'}"
    # clients on this host track through a server: the server's own store is still the workspace's
    remote = load_settings(home=tmp_path, mlflow_tracking_uri="http://10.1.0.1:5000")
    assert remote.resolved_mlflow_backend_url() == f"sqlite:///{tmp_path / 'mlflow.db'}"


def test_artifacts_default_to_the_workspace_and_may_be_a_folder_or_a_bucket(tmp_path):
    assert load_settings(home=tmp_path).resolved_mlflow_artifacts() == (tmp_path / "mlruns").as_uri()
    assert load_settings(mlflow_artifacts=str(tmp_path / "shared")).resolved_mlflow_artifacts() == (
        (tmp_path / "shared").as_uri()
    )
    assert load_settings(mlflow_artifacts="s3://ml-art/runs/").resolved_mlflow_artifacts() == "s3://ml-art/runs"


def test_the_server_is_shared_once_its_store_artifacts_or_address_is_given():
    assert not load_settings().mlflow_server_shared()
    assert not load_settings(mlflow_user="hpdp", mlflow_password="twelve-chars-or-more").mlflow_server_shared()
    assert load_settings(mlflow_host="127.0.0.1").mlflow_server_shared()
    assert load_settings(mlflow_artifacts="s3://ml-art/x").mlflow_server_shared()
    assert load_settings(mlflow_backend_url="sqlite:///x.db").mlflow_server_shared()


@pytest.mark.parametrize(
    ("name", "value", "expected", "hidden"),
    [
        ("HPDP_MLFLOW_BACKEND_URL", "http://me:pw-hidden@host:5000", "use postgresql://", "pw-hidden"),
        ("HPDP_MLFLOW_ARTIFACTS", "gs://bucket/x", "use a folder or s3://bucket/prefix", None),
        ("HPDP_MLFLOW_PASSWORD", "short-hide", "use at least 12 characters", "short-hide"),
    ],
)
def test_a_bad_mlflow_server_setting_is_one_sentence_without_its_secret(monkeypatch, name, value, expected, hidden):
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=rf"^{name}=.* is not valid: {expected}") as caught:
        load_settings()
    assert "\n" not in str(caught.value)
    assert hidden is None or hidden not in str(caught.value)


def test_the_password_and_the_backend_password_are_masked_in_the_printed_settings(monkeypatch):
    monkeypatch.setenv("HPDP_MLFLOW_PASSWORD", "mlflow-very-secret")
    s = load_settings(mlflow_backend_url="postgresql://mlf:pg-very-secret@db/mlflow", mlflow_user="admin")
    shown = s.masked()
    assert shown["HPDP_MLFLOW_PASSWORD"] == "***" and shown["HPDP_MLFLOW_USER"] == "admin"
    assert shown["HPDP_MLFLOW_BACKEND_URL"] == "postgresql://mlf:***@db/mlflow"
    assert "very-secret" not in str(shown) + repr(s)
    assert s.mlflow_credentials() == ("admin", "mlflow-very-secret")


def test_a_user_without_a_password_or_the_reverse_is_one_sentence():
    with pytest.raises(ConfigError, match=r"^HPDP_MLFLOW_USER and HPDP_MLFLOW_PASSWORD go together"):
        load_settings(mlflow_user="admin").mlflow_credentials()
    with pytest.raises(ConfigError, match="go together"):
        load_settings(mlflow_password="twelve-chars-or-more").mlflow_credentials()
    assert load_settings().mlflow_credentials() is None


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.0.1", "::", "mlflow.internal"])
def test_the_server_beyond_loopback_refuses_to_start_without_basic_auth(host):
    with pytest.raises(TrackingAuthRequiredError) as caught:
        check_tracking_exposure(host, authenticated=False)
    message = str(caught.value)
    assert message == (
        f"The MLflow server on {host} reaches other machines, so set HPDP_MLFLOW_USER and HPDP_MLFLOW_PASSWORD "
        "(or HPDP_MLFLOW_HOST=127.0.0.1)."
    )
    check_tracking_exposure(host, authenticated=True)


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "[::1]"])
def test_the_server_on_loopback_needs_no_auth(host):
    check_tracking_exposure(host, authenticated=False)
