"""The Rekognition backend: per account and region, moto-style.

It subclasses moto's own (canned) Rekognition backend so that operations this project
does not model yet keep moto's behaviour, and replaces the face operations with ones
answered by the face engine.
"""

from __future__ import annotations

import copy
import threading
import time
from typing import Any

import numpy as np
from moto.core.base_backend import BackendDict
from moto.rekognition.models import RekognitionBackend as MotoRekognitionBackend

from ..settings import engine
from ..store import persistence
from ..store.collections import Collection, FaceIds, image_id_for
from ..store.facestore import StoredFace
from ..store.users import User, UserStore
from ..vision import (
    Analysis,
    Face,
    ImageDecodeError,
    distance_for_similarity,
    read_size,
    similarity_from_distance,
)
from . import controls, images, labels, quality_filter, shapes
from .exceptions import (
    ConflictException,
    IdempotentParameterMismatchException,
    InvalidImageFormatException,
    InvalidPaginationTokenException,
    InvalidParameterException,
    ResourceAlreadyExistsException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from .limits import (
    DEFAULT_MAX_USERS,
    DEFAULT_PAGE,
    DEFAULT_SIMILARITY_THRESHOLD,
    DEFAULT_USER_PAGE,
    FACE_MODEL_VERSION,
    MAX_FACES,
    MAX_FACES_PER_USER,
    MAX_SEARCH_RESULTS,
)
from .pagination import decode_token, encode_token


class RekognitionBackend(MotoRekognitionBackend):
    """State and logic for one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.collections: dict[str, Collection] = {}
        self._lock = threading.RLock()
        self._face_ids: tuple[str | None, FaceIds] | None = None  # (the seed it was made with, the source)

    def _new_face_id(self) -> str:
        """A new FaceId: random, or from ``settings.face_id_seed``'s sequence for this account
        and region (which starts over when the backend is reset, so each test gets the same ids)."""
        from ..settings import settings

        seed = settings.face_id_seed
        if self._face_ids is None or self._face_ids[0] != seed:
            source = FaceIds(None if seed is None else f"{seed}|{self.account_id}|{self.region_name}")
            self._face_ids = (seed, source)
        return self._face_ids[1].new()

    def _unused_face_id(self, collection: Collection) -> str:
        """A new FaceId the collection does not hold (a seeded sequence starts over when a
        server restarts on its state directory, and must not hand out a stored face's id)."""
        while True:
            face_id = self._new_face_id()
            if collection.faces.get(face_id) is None:
                return face_id

    # -- images -----------------------------------------------------------------

    def analyze_image(self, image: Any, descriptors: bool = False, attributes: list[str] | None = None) -> Analysis:
        """Resolve an ``Image`` parameter and run the face engine on it; the attributes that
        ``attributes`` asks for (DetectFaces' ``Attributes``) are computed too, and only those."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        groups = shapes.attribute_groups(attributes)
        analysis = self._analyze_bytes(data, descriptors or shapes.DESCRIPTOR in groups)
        groups.discard(shapes.DESCRIPTOR)
        if groups and analysis.faces:
            engine().add_attributes(analysis, data, groups)
        return analysis

    def _analyze_bytes(self, data: bytes, descriptors: bool = False) -> Analysis:
        face_engine = engine()
        try:
            content_sha256, known = face_engine.peek(data)
            images.check_dimensions(*((known.width, known.height) if known is not None else read_size(data)))
            if known is not None and (known.has_descriptors or not descriptors):
                return known
            return face_engine.analyze(data, descriptors=descriptors, content_sha256=content_sha256)
        except ImageDecodeError:
            raise InvalidImageFormatException() from None

    # -- operations ---------------------------------------------------------------

    def detect_faces(self, image: Any, attributes: list[str] | None) -> dict[str, Any]:
        analysis = self.analyze_image(image, attributes=attributes)
        details = [shapes.face_detail(face, analysis.width, analysis.height, attributes) for face in analysis.faces[:MAX_FACES]]
        controls.override(details, self._face_overrides(image, analysis))
        return {"FaceDetails": details}

    def _face_overrides(self, image: Any, analysis: Analysis) -> dict[int, dict[str, Any]]:
        keys = [("sha256", analysis.content_sha256)]
        s3_object = image.get("S3Object") if isinstance(image, dict) else None
        if isinstance(s3_object, dict):
            keys.insert(0, ("s3", s3_object.get("Bucket"), s3_object.get("Name")))
        return controls.face_attributes(keys)

    def compare_faces(  # type: ignore[override]
        self,
        source_image: Any,
        target_image: Any,
        similarity_threshold: float = DEFAULT_SIMILARITY_THRESHOLD,
        quality_filter_level: str = "NONE",
    ) -> dict[str, Any]:
        source = self.analyze_image(source_image, descriptors=True)
        source_faces = [f for f in source.faces if quality_filter.passes(f, quality_filter_level)]
        if not source_faces:
            raise InvalidParameterException()
        probe = source_faces[0]  # faces are largest first
        target = self.analyze_image(target_image, descriptors=True, attributes=list(shapes.COMPARED_FACE_ATTRIBUTES))
        if not target.faces:  # "If no faces are detected in the source or target images" (API reference)
            raise InvalidParameterException()
        candidates = [f for f in target.faces[:MAX_FACES] if quality_filter.passes(f, quality_filter_level)]
        matches, unmatched = [], []
        if candidates:
            matrix = np.stack([f.descriptor for f in candidates])
            distances = np.linalg.norm(matrix - probe.descriptor, axis=1)
            similarities = similarity_from_distance(distances)
            for face, similarity in zip(candidates, similarities):
                described = shapes.compared_face(face, target.width, target.height)
                similarity = shapes.number(similarity)  # compare what the response reports
                if similarity >= similarity_threshold:
                    matches.append({"Similarity": similarity, "Face": described})
                else:
                    unmatched.append(described)
        matches.sort(key=lambda m: m["Similarity"], reverse=True)
        return {
            "SourceImageFace": {
                "BoundingBox": shapes.bounding_box(probe, source.width, source.height),
                "Confidence": shapes.number(probe.confidence),
            },
            "FaceMatches": matches,
            "UnmatchedFaces": unmatched,
        }

    def detect_labels(  # type: ignore[override]
        self, image: Any, max_labels: int | None, min_confidence: float | None, features: list[str] | None,
        settings: dict[str, Any] | None,
    ) -> dict[str, Any]:
        """Labels the faces imply plus the scripted ones; ``IMAGE_PROPERTIES`` from the pixels."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        analysis = self._analyze_bytes(data)
        return labels.detect_labels(
            analysis, lambda: engine().pixels(analysis, data), controls.scripted(_image_keys(image, data)),
            max_labels, min_confidence, features, settings,
        )

    def detect_moderation_labels(self, image: Any, min_confidence: float | None) -> dict[str, Any]:
        """Nothing is measured (there is no such model here): only scripted labels."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        self._analyze_bytes(data)  # the same image checks and errors as every image operation
        return labels.detect_moderation_labels(controls.scripted(_image_keys(image, data), moderation=True), min_confidence)

    # -- collections ----------------------------------------------------------------

    def _collection(self, collection_id: str) -> Collection:
        collection = self.collections.get(collection_id)
        if collection is None:
            raise ResourceNotFoundException(f"The collection id: {collection_id} does not exist")
        return collection

    def _collection_by_arn(self, arn: str) -> Collection:
        """The collection of ``arn``, in either form AWS hands out: DescribeCollection's, or
        CreateCollection's without the "arn:" prefix."""
        full = "arn:" + arn if arn.startswith("aws:rekognition:") else arn
        for collection in list(self.collections.values()):
            if collection.arn == full:
                return collection
        raise ResourceNotFoundException(f"The resource {arn} does not exist")

    def reset(self) -> None:
        controls.reset()
        store = persistence.active()
        with self._lock:  # a write in progress commits before the region is emptied, or finds it empty
            if store is not None:
                store.delete_region(self.account_id, self.region_name)
            super().reset()

    def _save_collection(self, collection: Collection, tags: dict[str, str]) -> None:
        """Commit ``collection`` with ``tags`` (server mode) and only then set the tags in memory."""
        store = persistence.active()
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
            store = persistence.active()
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

    # -- faces in collections --------------------------------------------------------

    def index_faces(
        self,
        collection_id: str,
        image: Any,
        external_image_id: str | None,
        detection_attributes: list[str] | None,
        max_faces: int | None,
        quality_filter_level: str,
    ) -> dict[str, Any]:
        """Detect faces and store the ones that pass the quality bar, largest first."""
        collection = self._collection(collection_id)
        analysis = self.analyze_image(image, descriptors=True, attributes=detection_attributes)
        image_id = image_id_for(analysis.content_sha256)
        limit = min(max_faces or MAX_FACES, MAX_FACES)
        reasons = {i: quality_filter.rejection_reasons(f, quality_filter_level) for i, f in enumerate(analysis.faces)}
        passing = [i for i in range(len(analysis.faces)) if not reasons[i]]
        # Over the limit, the lowest quality goes first, then the smallest.
        ranked = sorted(
            passing,
            key=lambda i: (quality_filter.passes(analysis.faces[i], "MEDIUM"), analysis.faces[i].area),
            reverse=True,
        )
        for i in ranked[limit:]:
            reasons[i] = ["EXCEEDS_MAX_FACES"]
        chosen = sorted(ranked[:limit])  # engine order is largest first
        w, h = analysis.width, analysis.height
        boxes = np.array([_box_tuple(analysis.faces[i], w, h) for i in chosen], dtype=np.float32).reshape(-1, 4)
        # AWS saves no duplicate for the same image, collection and external id: such a face
        # keeps its FaceId. Without an external id every call adds new faces (see docs).
        face_ids = [
            (external_image_id is not None and collection.faces.same_face(image_id, external_image_id, box))
            or self._unused_face_id(collection)
            for box in boxes
        ]
        if chosen:
            faces = [analysis.faces[i] for i in chosen]
            self._store_faces(
                collection,
                face_ids,
                image_id,
                external_image_id,
                np.stack([f.descriptor for f in faces]),
                boxes,
                np.array([f.confidence for f in faces], dtype=np.float32),
            )
        records = []
        for i, face_id in zip(chosen, face_ids):
            face = analysis.faces[i]
            record_face = {
                "FaceId": face_id,
                "BoundingBox": shapes.bounding_box(face, w, h),
                "ImageId": image_id,
                "ExternalImageId": external_image_id,
                "Confidence": shapes.number(face.confidence),
                "IndexFacesModelVersion": FACE_MODEL_VERSION,
            }
            if external_image_id is None:
                del record_face["ExternalImageId"]
            records.append({"Face": record_face, "FaceDetail": shapes.face_detail(face, w, h, detection_attributes)})
        overrides = self._face_overrides(image, analysis)
        for i, record in zip(chosen, records):
            controls.override([record["FaceDetail"]], {0: overrides[i]} if i in overrides else {})
        unindexed = []
        for i in range(len(analysis.faces)):
            if reasons[i]:
                face_detail = shapes.face_detail(analysis.faces[i], w, h, detection_attributes)
                controls.override([face_detail], {0: overrides[i]} if i in overrides else {})
                unindexed.append({"Reasons": reasons[i], "FaceDetail": face_detail})
        return {"FaceRecords": records, "FaceModelVersion": FACE_MODEL_VERSION, "UnindexedFaces": unindexed}

    def _store_faces(self, collection: Collection, face_ids: list[str], image_id: str, external_image_id: str | None,
                     descriptors: np.ndarray, boxes: np.ndarray, confidences: np.ndarray) -> None:
        """Add faces in memory and, in server mode, commit them before returning.

        The faces go to the collection the request started with, or nowhere: if it was
        deleted (and perhaps created again) while the image was analysed, the request
        fails as AWS's does for a missing collection.
        """
        store = persistence.active()
        with self._lock, collection.faces.lock:
            if self.collections.get(collection.collection_id) is not collection:
                raise ResourceNotFoundException(f"The collection id: {collection.collection_id} does not exist")
            fresh = collection.faces.add(face_ids, image_id, external_image_id, descriptors, boxes, confidences)
            new_ids = [fid for fid, is_new in zip(face_ids, fresh) if is_new]
            if store is None or not new_ids:
                return
            try:
                rows = [persistence.face_row(face, vec) for face, vec in collection.faces.export(new_ids)]
                store.add_faces(self.account_id, self.region_name, collection.collection_id, rows)
            except BaseException:
                collection.faces.delete(new_ids)
                raise

    def list_faces(
        self,
        collection_id: str,
        next_token: str | None,
        max_results: int | None,
        face_ids: list[str] | None,
        user_id: str | None,
    ) -> tuple[list[StoredFace], str | None]:
        collection = self._collection(collection_id)
        after = 0
        if next_token:
            position = decode_token(next_token, "faces", collection.arn)
            if not isinstance(position, int) or isinstance(position, bool):
                raise InvalidPaginationTokenException()
            after = position
        faces, last = collection.faces.page(after, max_results or DEFAULT_PAGE, face_ids, user_id)
        token = encode_token("faces", collection.arn, last) if last is not None else None
        return faces, token

    def delete_faces(self, collection_id: str, face_ids: list[str]) -> tuple[list[str], list[dict[str, Any]]]:
        """A face associated with a user stays (ASSOCIATED_TO_AN_EXISTING_USER, as AWS answers):
        disassociate it first."""
        collection = self._collection(collection_id)
        unique = list(dict.fromkeys(face_ids))
        store = persistence.active()
        with self._lock, collection.faces.lock:
            if self.collections.get(collection_id) is not collection:  # deleted meanwhile
                raise ResourceNotFoundException(f"The collection id: {collection_id} does not exist")
            owners = dict(zip(unique, collection.faces.users_of(unique)))
            doomed = [fid for fid in unique if owners[fid] is None]
            if store is not None:
                store.delete_faces(self.account_id, self.region_name, collection_id, doomed)
            gone = set(collection.faces.delete(doomed))
        failed = []
        for fid in unique:
            owner = owners[fid]
            if isinstance(owner, str):
                failed.append(shapes.unsuccessful_face(fid, owner, ["ASSOCIATED_TO_AN_EXISTING_USER"]))
            elif fid not in gone:
                failed.append({"FaceId": fid, "Reasons": ["FACE_NOT_FOUND"]})
        return [fid for fid in unique if fid in gone], failed

    def search_faces(
        self, collection_id: str, face_id: str, max_faces: int | None, threshold: float
    ) -> list[tuple[StoredFace, float]]:
        collection = self._collection(collection_id)
        query = collection.faces.descriptor(face_id)
        if query is None:
            raise InvalidParameterException("faceId was not found in the collection.")
        return self._matches(collection, query, max_faces, threshold, exclude=face_id)

    def search_faces_by_image(
        self,
        collection_id: str,
        image: Any,
        max_faces: int | None,
        threshold: float,
        quality_filter_level: str,
    ) -> tuple[Face, Analysis, list[tuple[StoredFace, float]]]:
        collection = self._collection(collection_id)
        analysis = self.analyze_image(image, descriptors=True)
        faces = [f for f in analysis.faces if quality_filter.passes(f, quality_filter_level)]
        if not faces:
            raise InvalidParameterException("There are no faces in the image. Should be at least 1.")
        probe = faces[0]
        return probe, analysis, self._matches(collection, probe.descriptor, max_faces, threshold)

    # -- users ------------------------------------------------------------------------

    def _user(self, collection: Collection, user_id: str) -> User:
        user = collection.users.get(user_id)
        if user is None:
            raise ResourceNotFoundException(f"The user id: {user_id} does not exist in the collection.")
        return user

    @staticmethod
    def _status(users: UserStore, user_id: str) -> str:
        """``UserStatus``: UPDATING for ``settings.user_update_seconds`` after its faces changed
        (0 by default), then ACTIVE with faces and CREATED without. Never CREATING: CreateUser
        is synchronous here."""
        user = users.get(user_id)
        if user is not None and time.monotonic() < user.updating_until:
            return "UPDATING"
        return "ACTIVE" if users.face_count(user_id) else "CREATED"

    @staticmethod
    def _changed(users: UserStore, user_id: str) -> str:
        """Mark the user as being updated and answer AssociateFaces' or DisassociateFaces'
        ``UserStatus``: UPDATING, as AWS's own examples of both calls answer."""
        from ..settings import settings

        user = users.get(user_id)
        if user is not None:
            user.updating_until = time.monotonic() + settings.user_update_seconds
        return "UPDATING"

    @staticmethod
    def _replay(users: UserStore, operation: str, token: str | None, fingerprint: Any) -> dict[str, Any] | None:
        """The reply to an earlier call with the same ClientRequestToken (a retry gets the same
        answer); IdempotentParameterMismatchException if that call asked something else."""
        if token is None:
            return None
        seen = users.recall(operation, token)
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise IdempotentParameterMismatchException()
        return copy.deepcopy(seen[1])

    def create_user(self, collection_id: str, user_id: str, token: str | None) -> None:
        with self._lock:
            users = self._collection(collection_id).users
            with users.lock:
                if token is not None:
                    made = users.by_token(token)
                    if made is not None:
                        if made.user_id == user_id:
                            return  # the same request again: idempotent
                        raise IdempotentParameterMismatchException()
                if user_id in users:
                    raise ConflictException(f"A User with the Id {user_id} already exists within the collection.")
                user = User(user_id, create_token=token)
                store = persistence.active()
                if store is not None:
                    store.put_user(self.account_id, self.region_name, collection_id, user_id, user.created, token)
                users.add(user)

    def delete_user(self, collection_id: str, user_id: str, token: str | None = None) -> dict[str, Any]:
        with self._lock:
            collection = self._collection(collection_id)
            users = collection.users
            with users.lock:
                replayed = self._replay(users, "DeleteUser", token, user_id)
                if replayed is not None:
                    return replayed
                self._user(collection, user_id)
                store = persistence.active()
                if store is not None:
                    store.delete_user(self.account_id, self.region_name, collection_id, user_id)
                users.remove(user_id)  # its faces stay, associated with no one
                reply: dict[str, Any] = {}
                if token is not None:
                    users.remember("DeleteUser", token, user_id, reply)
                return reply

    def list_users(self, collection_id: str, next_token: str | None, max_results: int | None) -> dict[str, Any]:
        """Users in creation order (AWS orders them by a key it generates; creation order is
        the honest stand-in); a NextToken holds the last user's (created, UserId), so paging
        neither repeats nor skips a user when others are created or deleted meanwhile."""
        collection = self._collection(collection_id)
        after = None
        if next_token:
            position = decode_token(next_token, "users", collection.arn)
            if (not isinstance(position, list) or len(position) != 2 or isinstance(position[0], bool)
                    or not isinstance(position[0], (int, float)) or not isinstance(position[1], str)):
                raise InvalidPaginationTokenException()
            after = (float(position[0]), position[1])
        users = collection.users.in_order(after)
        limit = max_results or DEFAULT_USER_PAGE
        page = users[:limit]
        body: dict[str, Any] = {
            "Users": [shapes.matched_user(u.user_id, self._status(collection.users, u.user_id)) for u in page]
        }
        if len(users) > limit:
            body["NextToken"] = encode_token("users", collection.arn, [page[-1].created, page[-1].user_id])
        return body

    def associate_faces(self, collection_id: str, user_id: str, face_ids: list[str], threshold: float,
                        token: str | None = None) -> dict[str, Any]:
        with self._lock:
            collection = self._collection(collection_id)
            users = collection.users
            with users.lock:
                fingerprint = (user_id, tuple(face_ids), threshold)
                replayed = self._replay(users, "AssociateFaces", token, fingerprint)
                if replayed is not None:
                    return replayed
                self._user(collection, user_id)
                held = users.face_count(user_id)
                if held >= MAX_FACES_PER_USER:
                    raise ServiceQuotaExceededException(
                        f"The user id: {user_id} already has {MAX_FACES_PER_USER} faces associated with it."
                    )
                unique = list(dict.fromkeys(face_ids))
                owners = collection.faces.users_of(unique)
                has_faces = held > 0  # a user without faces has nothing to match: it takes any face
                free = [face_id for face_id, owner in zip(unique, owners) if owner is None]
                descriptors = {face.face_id: d for face, d in collection.faces.export(free)} if has_faces else {}
                accepted: list[str] = []
                failed: list[dict[str, Any]] = []
                for face_id, owner in zip(unique, owners):
                    if owner is False:
                        failed.append(shapes.unsuccessful_face(face_id, user_id, ["FACE_NOT_FOUND"]))
                    elif owner == user_id:
                        continue  # already this user's: ignored, as AWS does
                    elif owner is not None:
                        failed.append(shapes.unsuccessful_face(face_id, owner, ["ASSOCIATED_TO_A_DIFFERENT_USER"]))
                    else:
                        if has_faces:
                            distance = users.distance(descriptors[face_id], user_id)
                            assert distance is not None  # the user holds faces
                            confidence = _user_similarity(distance)
                            if confidence < threshold:
                                failed.append(shapes.unsuccessful_face(face_id, user_id, ["LOW_MATCH_CONFIDENCE"], confidence))
                                continue
                        if held + len(accepted) >= MAX_FACES_PER_USER:
                            failed.append(shapes.unsuccessful_face(face_id, user_id, []))  # no room left; AWS names no reason
                            continue
                        accepted.append(face_id)
                store = persistence.active()
                if store is not None:
                    store.set_face_users(self.account_id, self.region_name, collection_id, accepted, user_id)
                users.associate(accepted, user_id)
                reply = {
                    "AssociatedFaces": [{"FaceId": f} for f in accepted],
                    "UnsuccessfulFaceAssociations": failed,
                    "UserStatus": self._changed(users, user_id) if accepted else self._status(users, user_id),
                }
                if token is not None:
                    users.remember("AssociateFaces", token, fingerprint, copy.deepcopy(reply))
                return reply

    def disassociate_faces(self, collection_id: str, user_id: str, face_ids: list[str],
                           token: str | None = None) -> dict[str, Any]:
        with self._lock:
            collection = self._collection(collection_id)
            users = collection.users
            with users.lock:
                fingerprint = (user_id, tuple(face_ids))
                replayed = self._replay(users, "DisassociateFaces", token, fingerprint)
                if replayed is not None:
                    return replayed
                self._user(collection, user_id)
                unique = list(dict.fromkeys(face_ids))
                done: list[str] = []
                failed: list[dict[str, Any]] = []
                for face_id, owner in zip(unique, collection.faces.users_of(unique)):
                    if owner is False:
                        failed.append(shapes.unsuccessful_face(face_id, user_id, ["FACE_NOT_FOUND"]))
                    elif owner is None:
                        continue  # not associated with anyone: ignored, as AWS does
                    elif owner != user_id:
                        failed.append(shapes.unsuccessful_face(face_id, owner, ["ASSOCIATED_TO_A_DIFFERENT_USER"]))
                    else:
                        done.append(face_id)
                store = persistence.active()
                if store is not None:
                    store.set_face_users(self.account_id, self.region_name, collection_id, done, None)
                users.associate(done, None)
                reply = {
                    "DisassociatedFaces": [{"FaceId": f} for f in done],
                    "UnsuccessfulFaceDisassociations": failed,
                    "UserStatus": self._changed(users, user_id) if done else self._status(users, user_id),
                }
                if token is not None:
                    users.remember("DisassociateFaces", token, fingerprint, copy.deepcopy(reply))
                return reply

    def _user_hits(self, users: UserStore, query: np.ndarray, threshold: float, max_users: int | None,
                   exclude: str | None = None) -> list[dict[str, Any]]:
        """``UserMatches``: users whose vector scores at least ``threshold`` against ``query``, best first."""
        # Search a hair past the threshold, then keep what the response reports as >= it (as face search does).
        reach = distance_for_similarity(max(0.0, threshold - 1e-4))
        scored = [
            (user_id, _user_similarity(d))
            for user_id, d in users.search(query, reach, max_users or DEFAULT_MAX_USERS, exclude=exclude)
        ]
        return shapes.user_matches([(u, self._status(users, u), sim) for u, sim in scored if sim >= threshold])

    def search_users(self, collection_id: str, user_id: str | None, face_id: str | None, threshold: float,
                     max_users: int | None) -> dict[str, Any]:
        collection = self._collection(collection_id)
        if (user_id is None) == (face_id is None):
            raise InvalidParameterException("Exactly one of UserId and FaceId must be given.")
        if face_id is not None:
            query = collection.faces.descriptor(face_id)
            if query is None:
                raise InvalidParameterException("faceId was not found in the collection.")
            matches = self._user_hits(collection.users, query, threshold, max_users)
            searched: dict[str, Any] = {"SearchedFace": {"FaceId": face_id}}
        else:
            assert user_id is not None
            self._user(collection, user_id)
            query = collection.users.vector(user_id)
            if query is None:
                raise InvalidParameterException(f"The user id: {user_id} has no faces associated with it.")
            matches = self._user_hits(collection.users, query, threshold, max_users, exclude=user_id)
            searched = {"SearchedUser": {"UserId": user_id}}
        return {"UserMatches": matches, "FaceModelVersion": FACE_MODEL_VERSION, **searched}

    def search_users_by_image(self, collection_id: str, image: Any, threshold: float, max_users: int | None,
                              quality_filter_level: str) -> dict[str, Any]:
        """The largest face that passes QualityFilter is searched; the others are UnsearchedFaces.
        Without such a face: no SearchedFace and no matches (not an error, unlike SearchFacesByImage)."""
        collection = self._collection(collection_id)
        analysis = self.analyze_image(image, descriptors=True)
        w, h = analysis.width, analysis.height
        faces = analysis.faces[:MAX_FACES]
        probe = next((f for f in faces if quality_filter.passes(f, quality_filter_level)), None)
        unsearched = [
            {"FaceDetails": shapes.face_detail(face, w, h),
             "Reasons": quality_filter.rejection_reasons(face, quality_filter_level) or ["FACE_NOT_LARGEST"]}
            for face in faces if face is not probe
        ]
        body: dict[str, Any] = {
            "UserMatches": [] if probe is None else self._user_hits(collection.users, probe.descriptor, threshold, max_users),
            "FaceModelVersion": FACE_MODEL_VERSION,
        }
        if probe is not None:
            body["SearchedFace"] = {"FaceDetail": shapes.face_detail(probe, w, h)}
        body["UnsearchedFaces"] = unsearched
        return body

    @staticmethod
    def _matches(
        collection: Collection, query: np.ndarray, max_faces: int | None, threshold: float, exclude: str | None = None
    ) -> list[tuple[StoredFace, float]]:
        # Search a hair past the threshold, then keep what the response reports as ≥ it.
        reach = distance_for_similarity(max(0.0, threshold - 1e-4))
        hits = collection.faces.search(query, reach, max_faces or MAX_SEARCH_RESULTS, exclude=exclude)
        scored = [(face, shapes.number(similarity_from_distance(d))) for face, d in hits]
        return [(face, similarity) for face, similarity in scored if similarity >= threshold]


def _image_keys(image: dict[str, Any], data: bytes) -> list[tuple]:
    """The control keys an image answers to: its S3 object, if named so, and its bytes."""
    keys = []
    s3_object = image.get("S3Object") if isinstance(image, dict) else None
    if isinstance(s3_object, dict):
        keys.append(("s3", s3_object.get("Bucket"), s3_object.get("Name")))
    keys.append(controls.image_key(data))
    return keys


def _user_similarity(distance: float) -> float:
    """A face's similarity to a user, as reported: SearchUsers' ``Similarity`` and a refused
    association's ``Confidence`` both come from here, on a distance from UserStore.distances."""
    return shapes.number(similarity_from_distance(distance))


def _box_tuple(face: Face, width: int, height: int) -> tuple[float, float, float, float]:
    box = shapes.bounding_box(face, width, height)
    return box["Width"], box["Height"], box["Left"], box["Top"]


rekognition_backends = BackendDict(RekognitionBackend, "rekognition")


def load_state(store: "persistence.StateStore") -> int:
    """Fill the backends from ``store``; returns how many collections were restored."""
    count = 0
    for account, region, collection_id, arn, created, tags in store.collections():
        backend = rekognition_backends[account][region]
        backend.restore_collection(collection_id, arn, created, tags, store.faces(account, region, collection_id),
                                   store.users(account, region, collection_id))
        count += 1
    return count
