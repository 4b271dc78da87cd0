//! Character classes of token bytes, one table lookup per byte: what may
//! stand in a URL-safe token, in a value with dots and tildes, in a base64 or
//! path-like value, and what a look-back from a value may cross. The token
//! checks (`tokens.rs`), the keyword look-back (`keyword.rs`) and the vendor
//! catalogue (`catalogue.rs`) share them.

const URL: u8 = 1;
const NARROW: u8 = 2;
const BROAD: u8 = 4;
const VALUE: u8 = 8;
const BACK: u8 = 16;
const KEY: u8 = 32;

/// Character classes of token bytes, one table lookup per byte.
static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0usize;
    while c < 256 {
        let b = c as u8;
        let url = b.is_ascii_alphanumeric() || b == b'_' || b == b'-';
        let narrow = url || b == b'.' || b == b'~';
        let value = narrow || b == b'+' || b == b'/' || b == b'=';
        let broad = value || b == b'$' || b == b'!';
        let back = narrow || b == b'+' || b == b'/';
        let key = url || b == b'.';
        t[c] = ((url as u8) * URL)
            | ((key as u8) * KEY)
            | ((narrow as u8) * NARROW)
            | ((broad as u8) * BROAD)
            | ((value as u8) * VALUE)
            | ((back as u8) * BACK);
        c += 1;
    }
    t
};

#[inline]
fn is(c: u8, class: u8) -> bool {
    CLASS[usize::from(c)] & class != 0
}

#[inline]
pub(crate) fn url(c: u8) -> bool {
    is(c, URL)
}

#[inline]
pub(crate) fn narrow(c: u8) -> bool {
    is(c, NARROW)
}

#[inline]
pub(crate) fn broad(c: u8) -> bool {
    is(c, BROAD)
}

#[inline]
pub(crate) fn value_char(c: u8) -> bool {
    is(c, VALUE)
}

/// A byte a look-back from a value may cross (token bytes, `+` and `/`).
#[inline]
pub(crate) fn back(c: u8) -> bool {
    is(c, BACK)
}

/// A byte of a key name read back from a value (`[A-Za-z0-9_.-]`).
#[inline]
pub(crate) fn key_char(c: u8) -> bool {
    is(c, KEY)
}
