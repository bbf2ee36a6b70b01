//! site-gen: the programme's static site generator.
//!
//! Markdown with YAML front matter in `content/` plus Tera templates in `templates/` become
//! a static site in `public/`. The pipeline, one type per stage:
//! files ([`content::discover`]) -> [`content::ParsedPage`] -> [`site::Site`] (checked,
//! linked) -> [`render::Renderer`] -> bytes, written by [`build::build`] or served by
//! [`serve`].

pub mod body;
pub mod build;
pub mod config;
pub mod content;
pub mod csp;
pub mod frontmatter;
pub mod links;
pub mod markdown;
pub mod new_page;
pub mod render;
pub mod report;
pub mod serve;
pub mod site;
pub mod slug;
pub mod templates;

pub use build::{BuildError, BuildReport, build, check};
pub use diagnostics::{Diagnostic, Diagnostics};
pub use form_model::{dates, diagnostics, yaml};
pub use site::BuildOptions;
