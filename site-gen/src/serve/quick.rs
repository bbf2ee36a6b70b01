//! The live preview's quick path: an edit that leaves every edited page's front matter
//! (but its title and description), heading ids and forms as they were cannot change the
//! site's tree, its URLs or what any other page's links and forms find; a new title can
//! only move the page within its section's list, which is sorted again. Such an edit is
//! rebuilt by parsing the edited pages, checking their own links and putting them into a
//! copy of the last site, without a load of the whole site (which grows with it: about
//! 0.5 s at 100,000 pages).
//! Anything else, an error included, goes the full way, so that the messages are the
//! load's.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;

use super::cache::{PageCache, Stamp, stamp};
use crate::build::{ParseResult, reparse};
use crate::content::ParsedPage;
use crate::frontmatter::FrontMatter;
use crate::links;
use crate::render::Renderer;
use crate::site::Site;

/// A renderer for `previous`'s site with the edited pages noted in `cache` replaced, when
/// the edits allow it (see the module); `None` otherwise.
pub fn body_edits(root: &Path, previous: &Renderer, cache: &PageCache) -> Option<Renderer> {
    let edited = cache.edited()?;
    let taken_ids = cache.taken_ids();
    let mut site = None;
    let mut parsed = Vec::with_capacity(edited.len());
    for path in &edited {
        let (stamp, page) = parse_again(root, path, &taken_ids)?;
        let i = same_shape(&previous.site, &page)?;
        let own_links_hold = page.links().ok()?.iter().all(|link| {
            let from = &previous.site.entries[i].url;
            links::check(&previous.site, &previous.targets, from, &link.target).is_ok()
        });
        if !own_links_hold {
            return None;
        }
        let site: &mut Site = site.get_or_insert_with(|| (*previous.site).clone());
        let retitled = site.entries[i].page.meta.title != page.meta.title;
        site.entries[i].page = page.clone();
        if let Some(parent) = site.entries[i].parent.filter(|_| retitled) {
            site.sort_section(parent);
        }
        parsed.push((path.clone(), stamp, Ok(page) as ParseResult));
    }
    let site = Arc::new(site?);
    let tera = previous
        .theme
        .compile(site.clone(), previous.targets.clone())
        .ok()?;
    cache.store_edits(parsed);
    Some(Renderer::new(
        site,
        previous.theme.clone(),
        tera,
        previous.forms.clone(),
        previous.targets.clone(),
    ))
}

/// The page at `path` parsed again, with its file's stamp; `None` when it has errors.
fn parse_again(
    root: &Path,
    path: &Path,
    taken_ids: &HashSet<String>,
) -> Option<(Stamp, Arc<ParsedPage>)> {
    let stamp = stamp(path).ok()?;
    let page = reparse(root, path, taken_ids).ok()?.ok()?;
    Some((stamp, page))
}

/// The index of `page`'s entry in `site`, if the page keeps what the rest of the site
/// depends on: its front matter but the title and description (shown, and the title
/// breaks ties in its section's order), its heading ids and its forms.
fn same_shape(site: &Site, page: &ParsedPage) -> Option<usize> {
    let i = *site.by_url.get(&page.url())?;
    let old = &site.entries[i].page;
    let same = old.rel == page.rel
        && old.is_section == page.is_section
        && structural(&old.meta) == structural(&page.meta)
        && old.body.ids == page.body.ids
        && old.body.forms == page.body.forms;
    same.then_some(i)
}

/// Front matter without what only shows on pages.
fn structural(meta: &FrontMatter) -> FrontMatter {
    FrontMatter {
        title: String::new(),
        description: None,
        ..meta.clone()
    }
}
