//! The durable store (sled).
