//! Word counts of a page's text, for its reading time.

/// `text.split_whitespace().count()`, without decoding ASCII (most of any text, Danish
/// too) character by character.
pub(super) fn count_words(text: &str) -> usize {
    let bytes = text.as_bytes();
    // Only these bytes can start a non-ASCII space (U+0085, U+00A0, U+1680, U+2000-U+205F,
    // U+3000); without them (æ, ø, å are 0xC3 ..) a word starts at each non-space byte
    // after a space.
    let special =
        memchr::memchr3(0xC2, 0xE2, 0xE3, bytes).is_some() || memchr::memchr(0xE1, bytes).is_some();
    if !special {
        return count_ascii_separated(bytes);
    }
    let (mut words, mut in_word, mut i) = (0, false, 0);
    while i < bytes.len() {
        let (space, len) = match bytes[i] {
            b' ' | b'\t'..=b'\r' => (true, 1),
            b if b < 0x80 => (false, 1),
            _ => {
                let c = text[i..]
                    .chars()
                    .next()
                    .expect("i is at a character boundary");
                (c.is_whitespace(), c.len_utf8())
            }
        };
        if !space && !in_word {
            words += 1;
        }
        in_word = !space;
        i += len;
    }
    words
}

/// The words of `bytes` when only ASCII spaces separate them: the non-space bytes that
/// follow a space, counted in blocks a byte-sized counter holds, branch-free, so that the
/// compiler counts 16 or 32 bytes per instruction (a byte at a time was a visible part of
/// a check).
fn count_ascii_separated(bytes: &[u8]) -> usize {
    let space = |b: u8| b == b' ' || b.wrapping_sub(b'\t') <= b'\r' - b'\t';
    let Some(&first) = bytes.first() else {
        return 0;
    };
    let (before, after) = (&bytes[..bytes.len() - 1], &bytes[1..]);
    let mut words = usize::from(!space(first));
    for (a, b) in before.chunks(255).zip(after.chunks(255)) {
        let starts: u8 = a
            .iter()
            .zip(b)
            .map(|(x, y)| u8::from(space(*x) & !space(*y)))
            .sum();
        words += usize::from(starts);
    }
    words
}
