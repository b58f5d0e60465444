"""Users of a collection: CreateUser, DeleteUser, ListUsers, AssociateFaces,
DisassociateFaces, SearchUsers, SearchUsersByImage."""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import numpy as np

from ...store import state
from ...store.collections import Collection
from ...store.users import User, UserStore
from ...vision import distance_for_similarity, similarity_from_distance
from .. import quality_filter, shapes
from ..exceptions import (
    ConflictException,
    IdempotentParameterMismatchException,
    InvalidPaginationTokenException,
    InvalidParameterException,
    ResourceNotFoundException,
    ServiceQuotaExceededException,
)
from ..limits import DEFAULT_MAX_USERS, DEFAULT_USER_PAGE, FACE_MODEL_VERSION, MAX_FACES, MAX_FACES_PER_USER
from ..pagination import decode_token, encode_token
from .analysis import ImagesMixin


class UsersMixin(ImagesMixin):
    """Users of a collection, and the user search."""

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
        from ...settings import settings

        user = users.get(user_id)
        if user is not None:
            user.updating_until = time.monotonic() + settings.user_update_seconds
        return "UPDATING"

    def _replay(self, collection_id: str, users: UserStore, operation: str, token: str | None,
                fingerprint: str) -> dict[str, Any] | None:
        """The reply to an earlier call with the same ClientRequestToken (a retry gets the same
        answer, whichever server sharing the state answered it first);
        IdempotentParameterMismatchException if that call asked something else."""
        if token is None:
            return None
        seen = users.recall(operation, token)
        store = state.active()
        if seen is None and store is not None:
            stored = store.token(self.account_id, self.region_name, collection_id, operation, token)
            if stored is not None:
                seen = (stored[0], json.loads(stored[1]))
                users.remember(operation, token, *seen)
        if seen is None:
            return None
        if seen[0] != fingerprint:
            raise IdempotentParameterMismatchException()
        return copy.deepcopy(seen[1])

    def _write_once(self, users: UserStore, operation: str, token: str | None, fingerprint: str,
                    reply: dict[str, Any], write: Any, collection_id: str, *args: Any) -> dict[str, Any] | None:
        """``write(account, region, collection_id, *args, remember=...)``: the store's write,
        with the reply to remember in its transaction (None without a token). None when
        written; the reply stored by the server that got there first when another server
        sharing the state took the token meanwhile (or IdempotentParameterMismatchException)."""
        remember = None if token is None else (operation, token, fingerprint, json.dumps(reply))
        try:
            write(self.account_id, self.region_name, collection_id, *args, remember=remember)
        except state.TokenTaken:
            replayed = self._replay(collection_id, users, operation, token, fingerprint)
            if replayed is None:  # the stored reply went with its collection meanwhile
                raise ResourceNotFoundException(f"The collection id: {collection_id} does not exist") from None
            return replayed
        return None

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
                fingerprint = json.dumps([user_id])
                if self._replay(collection_id, users, "CreateUser", token, fingerprint) is not None:
                    return  # answered by another server sharing the state (the user since deleted)
                if user_id in users:
                    raise ConflictException(f"A User with the Id {user_id} already exists within the collection.")
                user = User(user_id, create_token=token)
                store = state.active()
                if store is not None:
                    replayed = self._write_once(users, "CreateUser", token, fingerprint, {},
                                                store.put_user, collection_id, user_id, user.created, token)
                    if replayed is not None:
                        return
                users.add(user)
                if token is not None:
                    users.remember("CreateUser", token, fingerprint, {})

    def delete_user(self, collection_id: str, user_id: str, token: str | None = None) -> dict[str, Any]:
        with self._lock:
            collection = self._collection(collection_id)
            users = collection.users
            with users.lock:
                fingerprint = json.dumps([user_id])
                replayed = self._replay(collection_id, users, "DeleteUser", token, fingerprint)
                if replayed is not None:
                    return replayed
                self._user(collection, user_id)
                reply: dict[str, Any] = {}
                store = state.active()
                if store is not None:
                    replayed = self._write_once(users, "DeleteUser", token, fingerprint, reply,
                                                store.delete_user, collection_id, user_id)
                    if replayed is not None:
                        return replayed
                users.remove(user_id)  # its faces stay, associated with no one
                if token is not None:
                    users.remember("DeleteUser", token, fingerprint, reply)
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
                fingerprint = json.dumps([user_id, list(face_ids), threshold])
                replayed = self._replay(collection_id, users, "AssociateFaces", token, fingerprint)
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
                reply = {
                    "AssociatedFaces": [{"FaceId": f} for f in accepted],
                    "UnsuccessfulFaceAssociations": failed,
                    "UserStatus": "UPDATING" if accepted else self._status(users, user_id),
                }
                return self._set_owner(collection_id, users, "AssociateFaces", token, fingerprint, reply,
                                       accepted, user_id, user_id)

    def disassociate_faces(self, collection_id: str, user_id: str, face_ids: list[str],
                           token: str | None = None) -> dict[str, Any]:
        with self._lock:
            collection = self._collection(collection_id)
            users = collection.users
            with users.lock:
                fingerprint = json.dumps([user_id, list(face_ids)])
                replayed = self._replay(collection_id, users, "DisassociateFaces", token, fingerprint)
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
                reply = {
                    "DisassociatedFaces": [{"FaceId": f} for f in done],
                    "UnsuccessfulFaceDisassociations": failed,
                    "UserStatus": "UPDATING" if done else self._status(users, user_id),
                }
                return self._set_owner(collection_id, users, "DisassociateFaces", token, fingerprint, reply,
                                       done, None, user_id)

    def _set_owner(self, collection_id: str, users: UserStore, operation: str, token: str | None, fingerprint: str,
                   reply: dict[str, Any], face_ids: list[str], owner: str | None, user_id: str) -> dict[str, Any]:
        """AssociateFaces' and DisassociateFaces' write: ``face_ids`` given to ``owner`` (None:
        to nobody) in the state (with the reply, under a token) and in memory, ``user_id``
        marked as changed if any face moved. The reply, or a replica's earlier one to the token."""
        store = state.active()
        if store is not None:
            replayed = self._write_once(users, operation, token, fingerprint, reply,
                                        store.set_face_users, collection_id, face_ids, owner)
            if replayed is not None:
                return replayed
        users.associate(face_ids, owner)
        if face_ids:
            self._changed(users, user_id)
        if token is not None:
            users.remember(operation, token, fingerprint, copy.deepcopy(reply))
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


def _user_similarity(distance: float) -> float:
    """A face's similarity to a user, as reported: SearchUsers' ``Similarity`` and a refused
    association's ``Confidence`` both come from here, on a distance from UserStore.distances."""
    return shapes.number(similarity_from_distance(distance))


