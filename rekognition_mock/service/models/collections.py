"""Collections: create, describe, list, delete, tag, and their state-store records."""

from __future__ import annotations

from ...store import state
from ...store.collections import Collection
from ...store.users import User
from .. import controls
from ..exceptions import ResourceAlreadyExistsException, ResourceNotFoundException
from ..limits import DEFAULT_PAGE
from ..pagination import decode_token, encode_token
from .base import BackendBase


class CollectionsMixin(BackendBase):
    """Collections of one account and region."""

    def _collection_by_arn(self, arn: str) -> Collection:
        """The collection of ``arn``, in either form AWS hands out: DescribeCollection's, or
        CreateCollection's without the "arn:" prefix."""
        full = "arn:" + arn if arn.startswith("aws:rekognition:") else arn
        for collection in list(self.collections.values()):
            if collection.arn == full:
                return collection
        raise ResourceNotFoundException(f"The resource {arn} does not exist")

    def reset(self) -> None:
        from .. import shared_state

        controls.reset()
        store = state.active()
        with self._lock:  # a write in progress commits before the region is emptied, or finds it empty
            if shared_state.is_attached(store):  # an in-process mock: its memory only (others share the database)
                shared_state.forget()
            elif store is not None:
                store.delete_region(self.account_id, self.region_name)
            super().reset()

    def _save_collection(self, collection: Collection, tags: dict[str, str]) -> None:
        """Commit ``collection`` with ``tags`` (server mode) and only then set the tags in memory."""
        store = state.active()
        if store is not None:
            store.put_collection(
                self.account_id, self.region_name, collection.collection_id, collection.arn, collection.created, tags
            )
        collection.tags = tags

    def create_collection(self, collection_id: str, tags: dict[str, str] | None = None) -> Collection:
        with self._lock:
            if collection_id in self.collections:
                raise ResourceAlreadyExistsException(f"The collection id: {collection_id} already exists")
            arn = f"arn:{self.partition}:rekognition:{self.region_name}:{self.account_id}:collection/{collection_id}"
            collection = Collection(collection_id, arn)
            self._save_collection(collection, dict(tags or {}))
            self.collections[collection_id] = collection
            return collection

    def restore_collection(self, collection_id: str, arn: str, created: float, tags: dict[str, str], rows: list[tuple],
                           users: list[tuple] = ()) -> None:
        """Put back a collection saved by the state store (server start-up)."""
        collection = Collection(collection_id, arn, created=created, tags=dict(tags))
        collection.faces.load(rows)
        for user_id, user_created, token in users:
            collection.users.add(User(user_id, user_created, token))
        with self._lock:
            self.collections[collection_id] = collection

    def describe_collection(self, collection_id: str) -> Collection:
        return self._collection(collection_id)

    def delete_collection(self, collection_id: str) -> None:
        with self._lock:
            self._collection(collection_id)
            store = state.active()
            if store is not None:
                store.delete_collection(self.account_id, self.region_name, collection_id)
            del self.collections[collection_id]

    def list_collections(self, next_token: str | None, max_results: int | None) -> tuple[list[str], str | None]:
        scope = f"{self.account_id}/{self.region_name}"
        names = sorted(self.collections)
        if next_token:
            after = decode_token(next_token, "collections", scope)
            names = [n for n in names if n > str(after)]
        limit = max_results or DEFAULT_PAGE
        page = names[:limit]
        token = encode_token("collections", scope, page[-1]) if len(names) > limit else None
        return page, token

    def tag_resource(self, arn: str, tags: dict[str, str]) -> None:
        with self._lock:
            collection = self._collection_by_arn(arn)
            self._save_collection(collection, {**collection.tags, **tags})

    def untag_resource(self, arn: str, keys: list[str]) -> None:
        with self._lock:
            collection = self._collection_by_arn(arn)
            removed = set(keys)
            self._save_collection(collection, {k: v for k, v in collection.tags.items() if k not in removed})

    def list_tags_for_resource(self, arn: str) -> dict[str, str]:
        return dict(self._collection_by_arn(arn).tags)

