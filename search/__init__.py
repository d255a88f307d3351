"""Search over published calls (engine backends and indexer come with the search issue)."""
