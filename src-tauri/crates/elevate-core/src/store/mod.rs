//! Placeholder: the local store is being written.
