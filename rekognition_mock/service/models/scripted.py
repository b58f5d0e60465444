"""Image operations answered from what a test scripted on the faces the engine finds:
DetectProtectiveEquipment and DetectText."""

from __future__ import annotations

from typing import Any

from .. import controls, images, protective_equipment, text_detection
from .analysis import ImagesMixin


class ScriptedImagesMixin(ImagesMixin):
    """DetectProtectiveEquipment (persons from the faces, equipment scripted) and DetectText
    (text scripted)."""

    def detect_protective_equipment(self, image: Any, summarization: dict[str, Any] | None) -> dict[str, Any]:
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        analysis = self._analyze_bytes(data)
        scripted = controls.scripted_equipment(controls.request_image_keys(image, data))
        found = protective_equipment.persons(analysis, scripted)
        result: dict[str, Any] = {"ProtectiveEquipmentModelVersion": protective_equipment.MODEL_VERSION, "Persons": found}
        if summarization is not None:
            result["Summary"] = protective_equipment.summary(found, summarization)
        return result

    def detect_text(self, image: Any, filters: dict[str, Any] | None) -> dict[str, Any]:  # type: ignore[override]
        """The scripted lines (none unless scripted: there is no OCR here), filtered."""
        data = images.image_bytes(image, self.account_id, self.region_name, self.partition)
        self._analyze_bytes(data)  # the same image checks and errors as every image operation
        return text_detection.detect_text(controls.scripted_text(controls.request_image_keys(image, data)), filters)
