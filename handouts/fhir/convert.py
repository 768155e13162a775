"""``handout convert``: one prescription, YAML or FHIR, written in the other format.

Only a prescription that would make a handout is converted (the same format
and safety checks as ``generate``), so a clinic never feeds its EHR an order
the handout would refuse.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from .. import api, content
from . import write


def convert(path: Path | str, target: str, content_dir: str | None = None, defaults: str | None = None) -> str:
    """The prescription at ``path`` as FHIR JSON or YAML text; raises PrescriptionError when it is refused."""
    rx, _ = api.check_file(path, content_dir, defaults=defaults)
    if target == "fhir":
        return json.dumps(write.bundle(rx, content.load(content_dir)), indent=2, ensure_ascii=False) + "\n"
    return yaml.safe_dump(rx.source.data, sort_keys=False, allow_unicode=True)
