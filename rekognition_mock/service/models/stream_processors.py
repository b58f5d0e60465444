"""Stream processors: CreateStreamProcessor, DescribeStreamProcessor, ListStreamProcessors,
UpdateStreamProcessor, DeleteStreamProcessor, StartStreamProcessor and StopStreamProcessor,
with AWS's statuses moved by the mock's clock (service/clock.py).

No video is read and nothing is written to Kinesis or S3: a stream processor here is its
configuration, validated as AWS validates it, and its status. A connected-home processor
started with a StopSelector stops by itself once the clock has passed MaxDurationInSeconds.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from .. import clock
from ..exceptions import InvalidParameterException, ResourceInUseException, ResourceNotFoundException
from .lifecycle import TaggedMixin, page

CONNECTED_HOME_LABELS = ("PERSON", "PET", "PACKAGE", "ALL")  # ConnectedHomeSettings.Labels (the API reference)
DEFAULT_STREAM_PROCESSORS_PAGE = 1000  # ListStreamProcessors without MaxResults
BUSY = ("STARTING", "RUNNING", "STOPPING", "UPDATING")


@dataclass
class StreamProcessor:
    name: str
    arn: str
    created: float
    config: dict[str, Any]  # Input, Output, RoleArn, Settings, NotificationChannel, KmsKeyId, RegionsOfInterest, ...
    status: str = "STOPPED"
    status_message: str | None = None
    updated: float = 0.0
    timer: clock.Timer | None = None
    then: str = ""
    stop_at: float | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def connected_home(self) -> bool:
        return "ConnectedHome" in self.config.get("Settings", {})

    def move(self, status: str, kind: str | None = None, then: str = "") -> None:
        self.status, self.timer, self.then, self.updated = status, clock.Timer.start(kind) if kind else None, then, clock.now()

    def refresh(self, counted: bool = True) -> None:
        if self.timer is not None and self.timer.look(counted):
            self.status, self.timer = self.then, None
            self.updated = clock.now()
        if self.status == "RUNNING" and self.stop_at is not None and clock.now() >= self.stop_at:
            self.status, self.stop_at, self.updated = "STOPPED", None, clock.now()


def _check_connected_home(settings: dict[str, Any]) -> None:
    unknown = [label for label in settings.get("Labels", []) if label not in CONNECTED_HOME_LABELS]
    if unknown:
        raise InvalidParameterException(f"ConnectedHome Labels must be among {', '.join(CONNECTED_HOME_LABELS)}: {unknown[0]}")


class StreamProcessorsMixin(TaggedMixin):
    """Stream processors of one account and region."""

    def __init__(self, region_name: str, account_id: str) -> None:
        super().__init__(region_name, account_id)
        self.stream_processors: dict[str, StreamProcessor] = {}

    def _tagged(self, arn: str) -> Any:
        if ":streamprocessor/" not in arn:
            return super()._tagged(arn)
        found = next((p for p in self.stream_processors.values() if p.arn == arn), None)
        if found is None:
            raise ResourceNotFoundException(f"The stream processor {arn} does not exist")
        return found

    def _stream_processor(self, name: str) -> StreamProcessor:
        found = self.stream_processors.get(name)
        if found is None:
            raise ResourceNotFoundException(f"The stream processor {name} does not exist")
        return found

    def _follow(self, processor: StreamProcessor, counted: bool = True) -> None:
        """Follow the clock; a face search processor whose collection was deleted fails."""
        processor.refresh(counted)
        collection_id = processor.config.get("Settings", {}).get("FaceSearch", {}).get("CollectionId")
        if collection_id and processor.status in ("STARTING", "RUNNING") and collection_id not in self.collections:
            processor.status, processor.timer, processor.stop_at = "FAILED", None, None
            processor.status_message = f"The collection {collection_id} does not exist."
            processor.updated = clock.now()

    def create_stream_processor(self, name: str, config: dict[str, Any], tags: dict[str, str] | None) -> StreamProcessor:
        settings, output = config.get("Settings", {}), config.get("Output", {})
        if ("FaceSearch" in settings) == ("ConnectedHome" in settings):
            raise InvalidParameterException("Settings takes one of FaceSearch and ConnectedHome")
        if "FaceSearch" in settings:
            if "KinesisDataStream" not in output or "S3Destination" in output:
                raise InvalidParameterException("A face search stream processor writes to Output.KinesisDataStream")
            collection_id = settings["FaceSearch"].get("CollectionId")
            if not collection_id or collection_id not in self.collections:
                raise InvalidParameterException(f"The collection id: {collection_id} does not exist")
            if "DataSharingPreference" in config or "NotificationChannel" in config:
                raise InvalidParameterException("DataSharingPreference and NotificationChannel are for connected home")
        else:
            _check_connected_home(settings["ConnectedHome"])
            if "S3Destination" not in output or "KinesisDataStream" in output:
                raise InvalidParameterException("A connected home stream processor writes to Output.S3Destination")
            if "NotificationChannel" not in config:
                raise InvalidParameterException("A connected home stream processor needs a NotificationChannel")
        with self._lock:
            if name in self.stream_processors:
                raise ResourceInUseException(f"The stream processor {name} already exists")
            arn = f"arn:{self.partition}:rekognition:{self.region_name}:{self.account_id}:streamprocessor/{name}"
            now = clock.now()
            processor = StreamProcessor(name, arn, now, dict(config), updated=now, tags=dict(tags or {}))
            self.stream_processors[name] = processor
            return processor

    def describe_stream_processor(self, name: str) -> StreamProcessor:
        with self._lock:
            processor = self._stream_processor(name)
            self._follow(processor)
            return processor

    def list_stream_processors(self, next_token: str | None,
                               max_results: int | None) -> tuple[list[StreamProcessor], str | None]:
        with self._lock:
            processors = sorted(self.stream_processors.values(), key=lambda p: p.name)
            chosen, token = page(processors, lambda p: p.name, "stream-processors", f"{self.account_id}/{self.region_name}",
                                 next_token, max_results, DEFAULT_STREAM_PROCESSORS_PAGE)
            for processor in chosen:
                self._follow(processor)
            return chosen, token

    def start_stream_processor(self, name: str, start_selector: dict[str, Any] | None,
                               stop_selector: dict[str, Any] | None) -> str:
        with self._lock:
            processor = self._stream_processor(name)
            self._follow(processor, counted=False)
            if processor.connected_home and not start_selector:
                raise InvalidParameterException("A connected home stream processor starts with a StartSelector")
            if not processor.connected_home and (start_selector or stop_selector):
                raise InvalidParameterException("StartSelector and StopSelector are for connected home stream processors")
            if processor.status in BUSY:
                raise ResourceInUseException(f"The stream processor {name} is {processor.status}")
            processor.move("STARTING", "stream_starting", "RUNNING")
            processor.status_message = None
            duration = (stop_selector or {}).get("MaxDurationInSeconds")
            processor.stop_at = processor.timer.started + processor.timer.duration + duration if duration else None  # type: ignore[union-attr]
            return str(uuid.uuid4())

    def stop_stream_processor(self, name: str) -> None:
        with self._lock:
            processor = self._stream_processor(name)
            self._follow(processor, counted=False)
            if processor.status not in ("STARTING", "RUNNING"):
                raise ResourceInUseException(f"The stream processor {name} is {processor.status}, not running")
            processor.stop_at = None
            processor.move("STOPPING", "stream_stopping", "STOPPED")

    def update_stream_processor(self, name: str, settings: dict[str, Any] | None, regions: list[Any] | None,
                                sharing: dict[str, Any] | None, to_delete: list[str] | None) -> None:
        with self._lock:
            processor = self._stream_processor(name)
            self._follow(processor, counted=False)
            if processor.status in BUSY:
                raise ResourceInUseException(f"The stream processor {name} is {processor.status}")
            home = (settings or {}).get("ConnectedHomeForUpdate")
            if (home or sharing is not None) and not processor.connected_home:
                raise InvalidParameterException("These settings are for connected home stream processors")
            config = processor.config
            if home:
                _check_connected_home(home)
                config["Settings"] = {"ConnectedHome": {**config["Settings"]["ConnectedHome"], **home}}
            if regions is not None:
                config["RegionsOfInterest"] = regions
            if sharing is not None:
                config["DataSharingPreference"] = sharing
            for parameter in to_delete or []:
                if parameter == "RegionsOfInterest":
                    config.pop("RegionsOfInterest", None)
                elif processor.connected_home:
                    config["Settings"]["ConnectedHome"].pop("MinConfidence", None)
            processor.move("UPDATING", "stream_updating", "STOPPED")

    def delete_stream_processor(self, name: str) -> None:
        with self._lock:
            processor = self._stream_processor(name)
            self._follow(processor, counted=False)
            if processor.status in BUSY:
                raise ResourceInUseException(f"The stream processor {name} is {processor.status}; stop it first")
            del self.stream_processors[name]
