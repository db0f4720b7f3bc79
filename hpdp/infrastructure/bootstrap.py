"""`bootstrap()`: the workbench of a new container, for notebooks and tests (closing it closes its parts)."""

from __future__ import annotations

from hpdp.application.ingestion import SourceFactory
from hpdp.application.ports import AbstractProcessor
from hpdp.application.store_ports import AbstractStore
from hpdp.application.workbench import Workbench
from hpdp.infrastructure.container import Container
from hpdp.infrastructure.registries import Registries
from hpdp.infrastructure.settings import Settings


def bootstrap(
    settings: Settings | None = None,
    *,
    store: AbstractStore | None = None,
    processor: AbstractProcessor | None = None,
    registries: Registries | None = None,
    open_source: SourceFactory | None = None,
) -> Workbench:
    container = Container(settings, store=store, processor=processor, registries=registries, open_source=open_source)
    return container.start().workbench()
