//! Nothing to see here: the live tests are under `tests/`, one file per tag.
