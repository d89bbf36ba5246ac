//! The hand-written runtime of the crate, copied from `templates/runtime/`
//! by the generator: operation descriptors, serde helpers, and the client's
//! transport, streams and errors, and the server's routing and encoding,
//! that the generated code leans on.

pub mod filters;
pub mod nullable;
pub mod operation;

#[cfg(feature = "client")]
pub mod body;
#[cfg(feature = "client")]
pub mod client;
#[cfg(feature = "client")]
pub mod error;
#[cfg(feature = "client")]
pub mod hijack;
#[cfg(feature = "server")]
pub mod server;
#[cfg(feature = "client")]
pub mod stream;
#[cfg(feature = "client")]
pub mod transport;
