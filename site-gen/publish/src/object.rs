//! What an output of the build becomes in the site bucket: its key, the headers it is
//! served with, the order class it is uploaded in, and its content's MD5. The rules that
//! were `infra/deploy`'s `aws s3 sync` flags, now in one place.

use std::fmt;

use md5::{Digest, Md5};

/// Fingerprinted assets (`name.<10 hex>.ext`, from the templates' `asset()` function) never
/// change under their name: browsers and CloudFront keep them a year.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// Everything else is revalidated on each visit.
pub const REVALIDATE: &str = "public, max-age=0, must-revalidate";

/// The order a run uploads in: a reader never gets a page before the assets it names, nor
/// the sitemap before the pages it lists. Deletions come after all three.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// Styles, scripts, images, documents: anything a page may refer to.
    Asset,
    /// HTML pages.
    Page,
    /// What lists the pages: `sitemap.xml`, `robots.txt` (which names the sitemap).
    Index,
}

/// The two headers S3 stores with an object and CloudFront passes on.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Headers {
    #[serde(rename = "type")]
    pub content_type: String,
    #[serde(rename = "cache")]
    pub cache_control: String,
}

/// An MD5 digest: what S3 reports as the ETag of an object put in one request into a bucket
/// encrypted with S3's own keys (the site bucket), and what Content-MD5 carries.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ContentMd5([u8; 16]);

impl ContentMd5 {
    pub fn of(bytes: &[u8]) -> ContentMd5 {
        ContentMd5(Md5::digest(bytes).into())
    }

    /// Lower-case hex, as in an ETag (without its quotes).
    pub fn hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Base64, as the Content-MD5 header wants it.
    pub fn base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }

    /// Parses 32 hex digits, with or without an ETag's quotes.
    pub fn parse_hex(text: &str) -> Option<ContentMd5> {
        let text = text.trim_matches('"');
        if text.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(text.get(2 * i..2 * i + 2)?, 16).ok()?;
        }
        Some(ContentMd5(out))
    }
}

impl fmt::Debug for ContentMd5 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

impl serde::Serialize for ContentMd5 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.hex())
    }
}

impl<'de> serde::Deserialize<'de> for ContentMd5 {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        ContentMd5::parse_hex(&text)
            .ok_or_else(|| serde::de::Error::custom(format!("not an MD5 in hex: {text}")))
    }
}

/// One output of the build as the bucket will hold it.
#[derive(Debug, Clone)]
pub struct Object {
    /// The bucket key: the output's `/`-separated path, without a leading `/`.
    pub key: String,
    pub md5: ContentMd5,
    pub headers: Headers,
    pub class: Class,
}

impl Object {
    pub fn new(key: &str, bytes: &[u8]) -> Object {
        Object {
            key: key.to_string(),
            md5: ContentMd5::of(bytes),
            headers: headers_for(key),
            class: class_of(key),
        }
    }
}

/// The headers the object at `key` is served with.
pub fn headers_for(key: &str) -> Headers {
    let cache = if is_fingerprinted(key) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    Headers {
        content_type: content_type(key).to_string(),
        cache_control: cache.to_string(),
    }
}

/// The upload class of the object at `key`.
pub fn class_of(key: &str) -> Class {
    match key {
        "sitemap.xml" | "robots.txt" => Class::Index,
        _ if extension(key) == Some("html") => Class::Page,
        _ => Class::Asset,
    }
}

/// `name.<10 hex>.ext`: a name the templates' `asset()` function gave a theme file.
pub fn is_fingerprinted(key: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key);
    let mut parts = name.rsplit('.');
    let (Some(_ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && hash.len() == 10
        && hash
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

fn extension(key: &str) -> Option<&str> {
    let name = key.rsplit('/').next()?;
    name.rsplit_once('.').map(|(_, ext)| ext)
}

/// Each type named, text with its charset: never a guess for what the site is made of.
/// Anything else is `application/octet-stream`, which a browser downloads rather than
/// misreads.
pub fn content_type(key: &str) -> &'static str {
    match extension(key).map(str::to_ascii_lowercase).as_deref() {
        Some("html") => "text/html; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("xml") => "application/xml; charset=utf-8",
        Some("txt") => "text/plain; charset=utf-8",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("avif") => "image/avif",
        Some("ico") => "image/vnd.microsoft.icon",
        Some("pdf") => "application/pdf",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("mp4") => "video/mp4",
        Some("vtt") => "text/vtt; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_assets_are_immutable_and_the_rest_revalidated() {
        let css = headers_for("static/style.0a1b2c3d4e.css");
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert_eq!(css.cache_control, IMMUTABLE);
        for key in [
            "static/style.css",
            "static/style.0a1b2c3d4.css",
            "static/style.0A1B2C3D4E.css",
            ".0a1b2c3d4e.css",
            "index.html",
        ] {
            assert_eq!(headers_for(key).cache_control, REVALIDATE, "{key}");
        }
    }

    #[test]
    fn each_kind_of_file_gets_its_type_and_class() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(
            content_type("sitemap.xml"),
            "application/xml; charset=utf-8"
        );
        assert_eq!(content_type("billeder/Kort.JPG"), "image/jpeg");
        assert_eq!(content_type("README"), "application/octet-stream");
        assert_eq!(class_of("sitemap.xml"), Class::Index);
        assert_eq!(class_of("robots.txt"), Class::Index);
        assert_eq!(class_of("a/index.html"), Class::Page);
        assert_eq!(class_of("404.html"), Class::Page);
        assert_eq!(class_of("static/app.0a1b2c3d4e.js"), Class::Asset);
        assert!(Class::Asset < Class::Page && Class::Page < Class::Index);
    }

    #[test]
    fn an_md5_reads_back_from_its_etag() {
        let md5 = ContentMd5::of(b"hello");
        assert_eq!(md5.hex(), "5d41402abc4b2a76b9719d911017c592");
        assert_eq!(md5.base64(), "XUFAKrxLKna5cZ2REBfFkg==");
        assert_eq!(
            ContentMd5::parse_hex("\"5d41402abc4b2a76b9719d911017c592\""),
            Some(md5)
        );
        assert_eq!(
            ContentMd5::parse_hex("\"5d41402abc4b2a76b9719d911017c59-2\""),
            None
        );
    }
}
