"""Where a lake keeps its data files when they live in S3-compatible object storage, and how to reach it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ObjectStorage:
    url: str  # s3://bucket/prefix/ (always ends with a slash)
    endpoint: str | None = None  # host:port; None: the provider's own
    region: str = "us-east-1"
    url_style: str = "vhost"  # path | vhost
    use_ssl: bool = True
    key_id: str | None = None
    secret: str | None = field(default=None, repr=False)
    setting: str = "HPDP_LAKE_DATA_PATH"  # the setting that names the bucket, for messages

    @property
    def bucket(self) -> str:
        return self.url.removeprefix("s3://").split("/", 1)[0]

    @property
    def scope(self) -> str:
        """The bucket's URL: the credentials are used for it and nothing else."""
        return f"s3://{self.bucket}/"

    def where(self) -> str:
        return self.endpoint or "the provider's default endpoint"
