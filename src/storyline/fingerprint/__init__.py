"""Fingerprints of articles: content hashes, MinHash signatures, embeddings."""
