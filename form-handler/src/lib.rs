//! The application forms of the programme: definitions, validation and storage.
//!
//! This crate is filled by the forms issues; for now it only reserves its place in the
//! workspace so that `site-gen` and the infrastructure can refer to it.
