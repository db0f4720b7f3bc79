"""Builders of the container's parts that need settings: the workspace, the store, ingestion, snapshot tags."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from hpdp.application.clock import Clock, utcnow
from hpdp.application.object_storage import ObjectStorage
from hpdp.application.store_ports import AbstractStore, StoreOptions
from hpdp.domain.errors import HpdpError, UnavailableError
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import Settings

if TYPE_CHECKING:
    from hpdp.application.events import AbstractEventBus
    from hpdp.application.ingestion import IngestionService, SourceFactory
    from hpdp.application.recording import Recorder
    from hpdp.application.runs import SnapshotReader


def writable_home(home: Path) -> Path:
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise UnavailableError(
            f"HPDP_HOME={str(home)!r} is not writable ({exc.strerror or exc}); "
            "point HPDP_HOME at a folder you can write to.",
            code="home_not_writable",
        ) from None
    if not os.access(home, os.W_OK):
        raise UnavailableError(
            f"HPDP_HOME={str(home)!r} is not writable; point it at a folder you can write to.",
            code="home_not_writable",
        )
    return home


def store_options(settings: Settings) -> StoreOptions:
    return StoreOptions(
        home=writable_home(settings.resolved_home()),
        extension_dir=settings.resolved_extension_dir(),
        url=settings.db_url,
        data_path=settings.resolved_lake_data_path(),
        object_storage=object_storage(settings),
    )


def object_storage(settings: Settings) -> ObjectStorage | None:
    """Where the lake's data files go when HPDP_LAKE_DATA_PATH is an s3:// URL."""
    if not settings.lake_on_object_storage() or settings.lake_data_path is None:
        return None
    return _s3(settings, settings.lake_data_path, "HPDP_LAKE_DATA_PATH")


def mlflow_object_storage(settings: Settings) -> ObjectStorage | None:
    """Where the MLflow server of `hpdp up` puts artifacts when HPDP_MLFLOW_ARTIFACTS is an s3:// URL."""
    where = settings.mlflow_artifacts or ""
    return _s3(settings, where, "HPDP_MLFLOW_ARTIFACTS") if where.startswith("s3://") else None


def _s3(settings: Settings, url: str, setting: str) -> ObjectStorage:
    endpoint, use_ssl = settings.resolved_s3_endpoint()
    return ObjectStorage(
        url=url,
        endpoint=endpoint,
        region=settings.s3_region,
        url_style=settings.resolved_s3_url_style(),
        use_ssl=use_ssl,
        key_id=settings.s3_key_id,
        secret=settings.s3_secret.get_secret_value() if settings.s3_secret else None,
        setting=setting,
    )


def build_store(settings: Settings, registries: Registries) -> AbstractStore:
    factory = registries.stores.get(settings.db_engine)
    return factory(store_options(settings))  # type: ignore[no-any-return]


def build_ingestion(
    settings: Settings,
    registries: Registries,
    store: AbstractStore,
    open_source: SourceFactory | None = None,
    clock: Clock = utcnow,
    events: Callable[[], AbstractEventBus] | None = None,
    recorder: Recorder | None = None,
) -> IngestionService:
    sources = registries.sources
    from hpdp.application.ingestion import IngestionService
    from hpdp.infrastructure.catalog import catalog_reader

    catalog = catalog_reader(settings.resolved_sources_file(), sources.names)
    bus = events() if events is not None else None
    return IngestionService(
        store, catalog, open_source or (lambda spec: sources.get(spec.kind)(spec)), clock, bus, recorder
    )


def snapshot_reader(settings: Settings, registries: Registries) -> SnapshotReader:
    """The store's current snapshot (tagged before and after each run); the store is not held open.

    A store engine may register a reader that does not open the store at all (DuckLake on SQLite).
    """
    engine = settings.db_engine
    if engine in registries.snapshot_readers.names():
        fast = registries.snapshot_readers.get(engine)(store_options(settings))
        if fast is not None:
            return fast  # type: ignore[no-any-return]

    def read() -> int | None:
        try:
            store = build_store(settings, registries)
        except HpdpError:  # an unreachable store leaves the tag empty; the run itself reports the problem
            return None
        try:
            current = getattr(store, "current_snapshot", None)
            return current() if current is not None else None
        finally:
            store.close()

    return read
