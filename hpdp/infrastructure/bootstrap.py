"""The composition root: the only place that builds real adapters."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from hpdp.application.cells import AbstractCellRunner
from hpdp.application.ingestion import IngestionService, SourceFactory
from hpdp.application.ports import AbstractProcessor, AbstractStore, StoreOptions
from hpdp.application.workbench import Workbench
from hpdp.domain.errors import StoreUnavailableError
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import Settings, load_settings


def bootstrap(
    settings: Settings | None = None,
    *,
    store: AbstractStore | None = None,
    processor: AbstractProcessor | None = None,
    registries: Registries | None = None,
    open_source: SourceFactory | None = None,
) -> Workbench:
    settings = settings or load_settings()
    registries = registries or Registries()
    if processor is None:
        processor = registries.processors.get(settings.processor_engine)()
    if store is None:
        store = build_store(settings, registries)
    ingestion = build_ingestion(settings, registries, store, open_source)
    return Workbench(
        store,
        processor,
        output_format=settings.output_format,
        ingestion=ingestion,
        runs=lambda: _runs(settings),
        cells=_cell_runner,
    )


def build_ingestion(
    settings: Settings, registries: Registries, store: AbstractStore, open_source: SourceFactory | None = None
) -> IngestionService:
    from hpdp.infrastructure.catalog import catalog_reader

    sources = registries.sources
    catalog = catalog_reader(settings.resolved_sources_file(), sources.names)
    return IngestionService(store, catalog, open_source or (lambda spec: sources.get(spec.kind)(spec)))


def _cell_runner(store: AbstractStore) -> AbstractCellRunner:
    from hpdp.adapters.cells import DuckDBCellRunner

    return DuckDBCellRunner(store)


def _runs(settings: Settings) -> object:
    from hpdp.infrastructure.runs_bootstrap import build_runs

    return build_runs(settings)


def build_store(settings: Settings, registries: Registries) -> AbstractStore:
    factory = registries.stores.get(settings.db_engine)
    home = writable_home(settings.resolved_home())
    options = StoreOptions(
        home=home,
        extension_dir=settings.resolved_extension_dir(),
        url=settings.db_url,
        data_path=settings.lake_data_path.expanduser().resolve() if settings.lake_data_path else None,
    )
    return factory(options)


def writable_home(home: Path) -> Path:
    try:
        home.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=home, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise StoreUnavailableError(
            f"HPDP_HOME={str(home)!r} is not writable ({exc.strerror or exc}); "
            "point HPDP_HOME at a folder you can write to."
        ) from None
    if not os.access(home, os.W_OK):
        raise StoreUnavailableError(f"HPDP_HOME={str(home)!r} is not writable; point it at a folder you can write to.")
    return home
