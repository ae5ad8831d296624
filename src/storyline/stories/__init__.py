"""Stories: articles about the same real-world event, clustered online, across languages.

The entry points:

* `item_from_article` (or `make_item`) turns an article and its two embeddings into a
  `StoryItem`; `embedding_texts` says which two texts to embed.
* `StoryClusterer.assign` places one article in publication order (incremental);
  `StoryClusterer.assign_many` and `cluster_batch` place many (batch); both give the same stories
  on the same input order, merges included.
* `storyline.stories.persist` saves the state to SQLite rows and restores it.
* `member_dates` dates undated members from their duplicates or the story.
"""

from storyline.stories.cluster import Placement, StoryClusterer, cluster_batch, stream_order
from storyline.stories.dates import MemberDate, member_dates
from storyline.stories.item import StoryItem, embedding_texts, item_from_article, make_item, mention_text
from storyline.stories.model import StoryModels, load_models

__all__ = [
    "MemberDate",
    "Placement",
    "StoryClusterer",
    "StoryItem",
    "StoryModels",
    "cluster_batch",
    "embedding_texts",
    "item_from_article",
    "load_models",
    "make_item",
    "member_dates",
    "mention_text",
    "stream_order",
]
