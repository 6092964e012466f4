"""Frozen form trees, parsed once per process (pure Python, no ORM).

A published form version never changes (``form.form.version`` refuses writes to its
tree), so intake keeps its parsed tree in memory instead of reading and decoding the
JSON column on every call. The key is ``(database name, version id, checksum)``: a
tree never leaks into another database of the same server, and the caller looks the
version up in the database first (its id and checksum, by number), so a deleted
version (its id is not found) or a republished row (another checksum) is never served
from here. The cache is a bounded LRU shared by the threads of the process.

The cached tree is shared: callers only read it (validation, navigation, storing and
the mapped columns never change a tree).
"""

import threading
from collections import OrderedDict

#: trees kept per process (a 1,000-field tree is a few MB in memory)
MAX_TREES = 256


class TreeCache:
    """A bounded, thread-safe LRU of ``key -> tree``."""

    def __init__(self, size=MAX_TREES):
        self.size = size
        self._trees = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, load):
        """The tree of ``key``, built with ``load()`` at the first call (not under the
        lock: two threads may load it at once, the later one wins)."""
        with self._lock:
            tree = self._trees.get(key)
            if tree is not None:
                self._trees.move_to_end(key)
                return tree
        tree = load()
        if tree is None:
            return None
        with self._lock:
            self._trees[key] = tree
            self._trees.move_to_end(key)
            while len(self._trees) > self.size:
                self._trees.popitem(last=False)
        return tree

    def clear(self):
        with self._lock:
            self._trees.clear()

    def __len__(self):
        return len(self._trees)

    def __contains__(self, key):
        return key in self._trees


#: the intake's trees: ``(dbname, version id, checksum) -> tree``
TREES = TreeCache()


def version_key(dbname, version_id, checksum):
    return (dbname, version_id, checksum or "")
