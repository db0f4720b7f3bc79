"""Registry entries of the run adapters: each builds its adapter from RunOptions, importing it on first use."""

from __future__ import annotations

from hpdp.application.runs_ports import (
    AbstractNotifier,
    AbstractQueue,
    AbstractRunLog,
    AbstractRunner,
    AbstractTracker,
    RunOptions,
)


def papermill_runner(options: RunOptions) -> AbstractRunner:
    from hpdp.adapters.runners.papermill import PapermillRunner

    return PapermillRunner(kernel_name=options.kernel_name, pool_size=options.pool_size)


def mlflow_tracker(options: RunOptions) -> AbstractTracker:
    """MLflow in this process, or (for one run) in a child process that loads in parallel with the kernel."""
    uri = options.tracking_uri or f"sqlite:///{options.home / 'mlflow.db'}"
    # a tracking server decides where artifacts go (it serves them): a folder of this host would be wrong elsewhere
    server = uri.startswith(("http://", "https://"))
    artifacts = None if server else options.home / "mlruns"
    ui_url = options.ui_url or (uri if server else None)  # a tracking server is its own UI
    credentials = (options.tracking_user, options.tracking_password) if options.tracking_password else None
    if options.tracker_in_child:
        from hpdp.adapters.tracking.child import ChildProcessTracker

        return ChildProcessTracker(uri, artifacts, ui_url, credentials)
    from hpdp.adapters.tracking.mlflow import MLflowTracker

    return MLflowTracker(uri, artifacts, ui_url, credentials)


def memory_tracker(options: RunOptions) -> AbstractTracker:
    from hpdp.adapters.memory_runs import FakeTracker

    return FakeTracker()


def thread_queue(options: RunOptions) -> AbstractQueue:
    from hpdp.adapters.queues.thread import ThreadQueue

    return ThreadQueue(options.queue_workers)


def redis_queue(options: RunOptions) -> AbstractQueue:
    from hpdp.adapters.queues.redis import RedisQueue

    return RedisQueue(options.queue_url, options.queue_name)


def sqlite_run_log(options: RunOptions) -> AbstractRunLog:
    from hpdp.adapters.runs.sqlite_log import SQLiteRunLog

    return SQLiteRunLog(options.home / "runs.sqlite")


def postgres_run_log(options: RunOptions) -> AbstractRunLog:
    from hpdp.adapters.runs.postgres_log import PostgresRunLog

    return PostgresRunLog(options.run_log_url, setting=options.run_log_url_setting)


def webhook_notifier(options: RunOptions) -> AbstractNotifier | None:
    """None without a webhook URL: nobody is told."""
    if not options.webhook_url:
        return None
    from hpdp.adapters.notify.webhook import WebhookNotifier

    return WebhookNotifier(options.webhook_url)
