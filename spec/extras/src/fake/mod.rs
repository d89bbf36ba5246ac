//! An in-memory Docker daemon built on the server stubs (feature `fake`).
//!
//! Work in progress: the helper writing it replaces this file.

/// A daemon that keeps containers, images, volumes and networks in memory.
#[derive(Debug, Default)]
pub struct FakeDaemon {}
