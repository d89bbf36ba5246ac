//! The hand-written runtime of the crate, copied from `templates/runtime/`
//! by the generator: operation descriptors and serde helpers that the
//! generated models and operations lean on.

pub mod nullable;
pub mod operation;
