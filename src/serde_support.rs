//! What the `serde` representations of the regions share: fixed-size byte strings as
//! lowercase hex in human-readable formats (JSON) and as bytes in binary ones (postcard),
//! and text fields that are bytes on disk, printed as text and read back exactly.
//!
//! Nothing here allocates: hex and text are written through `collect_str` and read by
//! visitors into fixed arrays and `heapless` vectors.

use core::fmt;

use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::ser::Serializer;

/// `bytes` as lowercase hex.
struct Hex<'a>(&'a [u8]);

impl fmt::Display for Hex<'_> {
    /// Lowercase, two digits a byte, written 32 bytes at a time from a table: a vault's
    /// JSON holds a 64-byte signature per passport, and formatting each byte through
    /// `fmt`'s machinery was a visible share of `dwvd parse`'s time.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        const CHUNK: usize = 32;
        let mut text = [0u8; 2 * CHUNK];
        self.0.chunks(CHUNK).try_for_each(|chunk| {
            for (byte, pair) in chunk.iter().zip(text.chunks_exact_mut(2)) {
                let high = DIGITS.get(usize::from(byte >> 4)).copied().unwrap_or(b'0');
                let low = DIGITS
                    .get(usize::from(byte & 0x0F))
                    .copied()
                    .unwrap_or(b'0');
                pair.copy_from_slice(&[high, low]);
            }
            let used = text
                .get(..chunk.len().saturating_mul(2))
                .unwrap_or_default();
            // ASCII digits only, so always UTF-8.
            f.write_str(core::str::from_utf8(used).map_err(|_| fmt::Error)?)
        })
    }
}

/// Bytes as text: valid UTF-8 as it is, each invalid sequence as U+FFFD (what
/// `String::from_utf8_lossy` gives, without allocating).
struct Lossy<'a>(&'a [u8]);

impl fmt::Display for Lossy<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.utf8_chunks().try_for_each(|chunk| {
            f.write_str(chunk.valid())?;
            if chunk.invalid().is_empty() {
                Ok(())
            } else {
                f.write_str("\u{FFFD}")
            }
        })
    }
}

/// Bytes serialized as hex text (human-readable formats) or as bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HexBytes<'a>(pub(crate) &'a [u8]);

impl serde::Serialize for HexBytes<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize_bytes(self.0, serializer)
    }
}

/// Serializes `bytes` as [`HexBytes`] does (for `serialize_with`).
pub(crate) fn serialize_bytes<S: Serializer>(
    bytes: &[u8],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    if serializer.is_human_readable() {
        serializer.collect_str(&Hex(bytes))
    } else {
        serializer.serialize_bytes(bytes)
    }
}

/// Bytes serialized as text, each sequence that is not UTF-8 replaced by U+FFFD (the
/// exact bytes go beside it as [`HexBytes`] when [`is_utf8`] is false).
#[derive(Debug, Clone, Copy)]
pub(crate) struct LossyText<'a>(pub(crate) &'a [u8]);

impl serde::Serialize for LossyText<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(&Lossy(self.0))
    }
}

/// Whether `bytes` are UTF-8 (then their text is exact and needs no hex twin).
pub(crate) fn is_utf8(bytes: &[u8]) -> bool {
    core::str::from_utf8(bytes).is_ok()
}

/// The value of one hex digit.
fn hex_digit(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => digit.checked_sub(b'0'),
        b'a'..=b'f' => digit.checked_sub(b'a' - 10),
        b'A'..=b'F' => digit.checked_sub(b'A' - 10),
        _ => None,
    }
}

/// Decodes hex `text` into `push`, byte by byte; `false` on a bad digit, an odd length or
/// a `push` that refuses (full).
fn decode_hex(text: &str, mut push: impl FnMut(u8) -> bool) -> bool {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return false;
    }
    digits.chunks_exact(2).all(|pair| match pair {
        [high, low] => match (hex_digit(*high), hex_digit(*low)) {
            (Some(high), Some(low)) => push((high << 4) | low),
            _ => false,
        },
        _ => false,
    })
}

/// Up to `N` bytes read from hex text, a byte string or a sequence of integers.
#[derive(Debug)]
pub(crate) struct ByteString<const N: usize>(pub(crate) heapless::Vec<u8, N>);

impl<'de, const N: usize> de::Deserialize<'de> for ByteString<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Bytes<const N: usize>;

        impl<'de, const N: usize> Visitor<'de> for Bytes<N> {
            type Value = ByteString<N>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "at most {N} bytes, as hex text or bytes")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                let mut bytes = heapless::Vec::new();
                if decode_hex(text, |byte| bytes.push(byte).is_ok()) {
                    Ok(ByteString(bytes))
                } else {
                    Err(E::invalid_value(de::Unexpected::Str(text), &self))
                }
            }

            fn visit_bytes<E: de::Error>(self, given: &[u8]) -> Result<Self::Value, E> {
                heapless::Vec::from_slice(given)
                    .map(ByteString)
                    .map_err(|_| E::invalid_length(given.len(), &self))
            }

            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut bytes = heapless::Vec::new();
                while let Some(byte) = seq.next_element::<u8>()? {
                    bytes
                        .push(byte)
                        .map_err(|_| de::Error::invalid_length(N.saturating_add(1), &self))?;
                }
                Ok(ByteString(bytes))
            }
        }

        if deserializer.is_human_readable() {
            deserializer.deserialize_str(Bytes::<N>)
        } else {
            deserializer.deserialize_bytes(Bytes::<N>)
        }
    }
}

/// Exactly `N` bytes (a hash, a signature), read as [`ByteString`] reads them.
pub(crate) fn deserialize_array<'de, D: Deserializer<'de>, const N: usize>(
    deserializer: D,
) -> Result<[u8; N], D::Error> {
    let ByteString::<N>(bytes) = de::Deserialize::deserialize(deserializer)?;
    bytes.as_slice().try_into().map_err(|_| {
        de::Error::invalid_length(bytes.len(), &"exactly the number of bytes of the field")
    })
}

/// A text field of at most `N` bytes; `None` when the text is longer (a hex twin may then
/// still give the exact bytes: the text of invalid UTF-8 is longer than its bytes).
#[derive(Debug)]
pub(crate) struct Text<const N: usize>(pub(crate) Option<heapless::Vec<u8, N>>);

impl<'de, const N: usize> de::Deserialize<'de> for Text<N> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct TextVisitor<const N: usize>;

        impl<const N: usize> Visitor<'_> for TextVisitor<N> {
            type Value = Text<N>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("text")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
                Ok(Text(heapless::Vec::from_slice(text.as_bytes()).ok()))
            }
        }

        deserializer.deserialize_str(TextVisitor::<N>)
    }
}

/// A field's exact bytes: its hex twin when given, else its text; an error naming the
/// field when neither fits in `N` bytes.
pub(crate) fn text_or_twin<E: de::Error, const N: usize>(
    field: &'static str,
    text: Text<N>,
    twin: Option<ByteString<N>>,
) -> Result<heapless::Vec<u8, N>, E> {
    match (twin, text) {
        (Some(ByteString(bytes)), _) | (None, Text(Some(bytes))) => Ok(bytes),
        (None, Text(None)) => Err(E::custom(format_args!("{field} is longer than {N} bytes"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_digits_decode_both_cases_and_reject_the_rest() {
        let mut bytes = heapless::Vec::<u8, 4>::new();
        assert!(decode_hex("00fFa9", |byte| bytes.push(byte).is_ok()));
        assert_eq!(bytes.as_slice(), [0x00, 0xff, 0xa9]);
        for bad in ["0", "zz", "0g", "+1"] {
            assert!(!decode_hex(bad, |_| true), "{bad}");
        }
        // A push that refuses (the vector is full) stops the decoding.
        let mut small = heapless::Vec::<u8, 1>::new();
        assert!(!decode_hex("0102", |byte| small.push(byte).is_ok()));
    }

    #[test]
    fn hex_text_is_two_lowercase_digits_a_byte_at_every_length() {
        extern crate std;
        use std::string::ToString;
        let bytes: std::vec::Vec<u8> = (0..=255u8).chain(0..=99).collect();
        for length in [0, 1, 2, 31, 32, 33, 63, 64, 65, 255, 256, 356] {
            let input = &bytes[..length];
            // The reference: each byte's two nibbles, looked up by hand.
            let expected: std::string::String = input
                .iter()
                .flat_map(|byte| [byte >> 4, byte & 0x0F])
                .map(|nibble| char::from(b"0123456789abcdef"[usize::from(nibble)]))
                .collect();
            assert_eq!(Hex(input).to_string(), expected, "{length} bytes");
        }
        assert_eq!(Hex(&[0x00, 0x9f, 0xa0, 0xff]).to_string(), "009fa0ff");
    }

    #[test]
    fn lossy_text_matches_the_standard_library() {
        extern crate std;
        use std::string::{String, ToString};
        for bytes in [
            &b"plain"[..],
            b"\xffa\xc3",
            b"\xe2\x82",
            b"ok\xf0\x9f\x98\x80",
            b"",
        ] {
            assert_eq!(
                Lossy(bytes).to_string(),
                String::from_utf8_lossy(bytes),
                "{bytes:?}"
            );
        }
    }
}
