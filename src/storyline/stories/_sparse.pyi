"""Types of the compiled helpers in _sparse.c (see storyline.stories.terms)."""

import numpy as np

def merge_add(
    a_ids: np.ndarray,
    a_weights: np.ndarray,
    b_ids: np.ndarray,
    b_weights: np.ndarray,
    out_ids: np.ndarray,
    out_weights: np.ndarray,
) -> int: ...
def matched(
    a_ids: np.ndarray,
    a_weights: np.ndarray,
    b_ids: np.ndarray,
    b_weights: np.ndarray,
    out_a: np.ndarray,
    out_b: np.ndarray,
) -> int: ...
def count_once(table: np.ndarray, buckets: np.ndarray) -> None: ...
