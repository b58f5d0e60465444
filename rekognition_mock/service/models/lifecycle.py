"""What the stateful families (Custom Labels, stream processors, Face Liveness, media
analysis) share: pages of a listing, ARN parts, and objects in moto's S3."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..exceptions import InvalidS3ObjectException
from ..pagination import decode_token, encode_token
from .base import BackendBase

T = TypeVar("T")

MAX_MANIFEST_BYTES = 1024 * 1024 * 1024  # a manifest the mock reads from S3; a larger object is refused as unreadable


def page(items: Sequence[T], key: Callable[[T], Any], kind: str, scope: str, next_token: str | None,
         max_results: int | None, default: int) -> tuple[list[T], str | None]:
    """One page of ``items`` (already in listing order, ``key`` unique and increasing along
    it) after ``next_token``, at most ``max_results`` (or ``default``) long, and the token of
    the next page (None on the last)."""
    keys = [key(item) for item in items]
    start = 0
    if next_token:
        after = decode_token(next_token, kind, scope)
        start = next((i for i, k in enumerate(keys) if k > after), len(keys))  # type: ignore[operator]
    limit = max_results or default
    chosen = list(items[start:start + limit])
    more = start + limit < len(items)
    return chosen, encode_token(kind, scope, keys[start + limit - 1]) if more else None


def millis() -> int:
    """An ARN's creation number: milliseconds of the mock's clock, unique in this process."""
    from .. import clock

    global _last_millis
    value = max(int(clock.now() * 1000), _last_millis + 1)
    _last_millis = value
    return value


_last_millis = 0


def arn_account_region(arn: str) -> tuple[str, str]:
    """The account and region named in an ARN."""
    parts = arn.split(":")
    return parts[4], parts[3]


def _s3_backend(account_id: str, partition: str) -> Any:
    from moto.s3.models import s3_backends

    return s3_backends[account_id][partition]


def read_s3(account_id: str, region: str, partition: str, bucket: str, key: str, version: str | None = None,
            error: Callable[[], Exception] = InvalidS3ObjectException) -> bytes:
    """An object of moto's S3 (a bucket of ``region``); ``error()`` when it cannot be read."""
    backend = _s3_backend(account_id, partition)
    found = backend.buckets.get(bucket)
    if found is None or getattr(found, "region_name", region) != region:
        raise error()
    try:
        obj = backend.get_object(bucket, key, version_id=version)
    except Exception:  # moto's MissingBucket, MissingKey, InvalidVersion...
        raise error() from None
    if obj is None or getattr(obj, "is_delete_marker", False) or not hasattr(obj, "value"):
        raise error()
    if obj.size > MAX_MANIFEST_BYTES:
        raise error()
    return bytes(obj.value)


def bucket_exists(account_id: str, region: str, partition: str, bucket: str) -> bool:
    found = _s3_backend(account_id, partition).buckets.get(bucket)
    return found is not None and getattr(found, "region_name", region) == region


def write_s3(account_id: str, partition: str, bucket: str, key: str, body: bytes) -> None:
    """Put an object in moto's S3 (as the service writes its outputs)."""
    _s3_backend(account_id, partition).put_object(bucket, key, body)


def iso(timestamp: float) -> str:
    """A timestamp as the ISO 8601 text AWS writes into files."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(timestamp)) + f".{int(timestamp * 1000) % 1000:03d}Z"


class TaggedMixin(BackendBase):
    """TagResource, UntagResource and ListTagsForResource for the resources of the stateful
    families: each family's ``_tagged`` returns the object (with a ``tags`` dict) an ARN names,
    or asks the next family; an ARN none of them holds goes on to the collections."""

    def _tagged(self, arn: str) -> Any:
        return None

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        with self._lock:
            found = self._tagged(arn)
            if found is None:
                return super().tag_resource(arn, tags)  # type: ignore[misc]
            found.tags = {**found.tags, **tags}

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            found = self._tagged(arn)
            if found is None:
                return super().untag_resource(arn, keys)  # type: ignore[misc]
            found.tags = {k: v for k, v in found.tags.items() if k not in set(keys)}

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        found = self._tagged(arn)
        if found is None:
            return super().list_tags_for_resource(arn)  # type: ignore[misc]
        return dict(found.tags)
