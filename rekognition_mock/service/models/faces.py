"""Faces in collections: IndexFaces, ListFaces, DeleteFaces, SearchFaces, SearchFacesByImage."""

from __future__ import annotations

from typing import Any

import numpy as np

from ...store import state
from ...store.collections import Collection, image_id_for
from ...store.facestore import StoredFace
from ...vision import Analysis, Face, distance_for_similarity, similarity_from_distance
from .. import controls, quality_filter, shapes
from ..exceptions import InvalidPaginationTokenException, InvalidParameterException, ResourceNotFoundException
from ..limits import DEFAULT_PAGE, FACE_MODEL_VERSION, MAX_FACES, MAX_SEARCH_RESULTS
from ..pagination import decode_token, encode_token
from .analysis import ImagesMixin


class FacesMixin(ImagesMixin):
    """Faces stored in collections, and searched."""

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
        store = state.active()
        with self._lock, collection.faces.lock:
            if self.collections.get(collection.collection_id) is not collection:
                raise ResourceNotFoundException(f"The collection id: {collection.collection_id} does not exist")
            fresh = collection.faces.add(face_ids, image_id, external_image_id, descriptors, boxes, confidences)
            new_ids = [fid for fid, is_new in zip(face_ids, fresh) if is_new]
            if store is None or not new_ids:
                return
            try:
                rows = [state.face_row(face, vec) for face, vec in collection.faces.export(new_ids)]
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
        store = state.active()
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

    @staticmethod
    def _matches(
        collection: Collection, query: np.ndarray, max_faces: int | None, threshold: float, exclude: str | None = None
    ) -> list[tuple[StoredFace, float]]:
        # Search a hair past the threshold, then keep what the response reports as ≥ it.
        reach = distance_for_similarity(max(0.0, threshold - 1e-4))
        hits = collection.faces.search(query, reach, max_faces or MAX_SEARCH_RESULTS, exclude=exclude)
        scored = [(face, shapes.number(similarity_from_distance(d))) for face, d in hits]
        return [(face, similarity) for face, similarity in scored if similarity >= threshold]



def _box_tuple(face: Face, width: int, height: int) -> tuple[float, float, float, float]:
    box = shapes.bounding_box(face, width, height)
    return box["Width"], box["Height"], box["Left"], box["Top"]


