//! Revisions: unsigned 64-bit counters that travel as canonical decimal strings.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What a canonical revision looks like, for error messages.
const EXPECTED: &str =
    "a revision: a decimal string from \"0\" to \"18446744073709551615\" without sign, spaces or leading zeros";

/// A revision of a topic's state: an unsigned 64-bit integer that only moves forward.
///
/// On the wire a revision is a canonical decimal **string** (`"0"`, `"42"`, at most
/// `"18446744073709551615"`), never a JSON number: JavaScript numbers lose precision above 2^53, so the
/// TypeScript side rejects numbers. Deserializing accepts canonical strings only and fails with a message
/// naming the expected form for anything else (numbers, `"007"`, `"+1"`, `" 1"`, values above `u64::MAX`).
///
/// Revisions compare as numbers (`Ord`), so `"9" < "10"`.
///
/// # Examples
///
/// ```
/// use state_sync::Revision;
///
/// let r: Revision = "41".parse()?;
/// let next = r.next()?;
/// assert_eq!(next, Revision::new(42));
/// assert_eq!(serde_json::to_string(&next)?, r#""42""#);
/// assert!(serde_json::from_str::<Revision>("42").is_err()); // a JSON number is not a revision
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Revision(u64);

impl Revision {
    /// The revision of a source that has never changed, and what a reader reports before its first snapshot.
    ///
    /// ```
    /// use state_sync::Revision;
    /// assert_eq!(Revision::ZERO.to_string(), "0");
    /// assert_eq!(Revision::default(), Revision::ZERO);
    /// ```
    pub const ZERO: Revision = Revision(0);

    /// The largest revision, `2^64 - 1`. It has no successor: [`Revision::next`] fails on it.
    ///
    /// ```
    /// use state_sync::Revision;
    /// assert_eq!(Revision::MAX.to_string(), "18446744073709551615");
    /// assert!(Revision::MAX.next().is_err());
    /// ```
    pub const MAX: Revision = Revision(u64::MAX);

    /// Wraps a number as a revision.
    ///
    /// ```
    /// use state_sync::Revision;
    /// assert_eq!(Revision::new(7).get(), 7);
    /// ```
    #[must_use]
    pub const fn new(value: u64) -> Self {
        Revision(value)
    }

    /// The revision as a number.
    ///
    /// ```
    /// use state_sync::Revision;
    /// assert_eq!(Revision::new(7).get(), 7);
    /// ```
    #[must_use]
    pub const fn get(self) -> u64 {
        self.0
    }

    /// The revision after this one. Revisions never wrap around: at [`Revision::MAX`] this fails.
    ///
    /// # Errors
    ///
    /// [`RevisionOverflowError`] when `self` is [`Revision::MAX`].
    ///
    /// ```
    /// use state_sync::Revision;
    /// assert_eq!(Revision::new(9).next()?, Revision::new(10));
    /// assert!(Revision::MAX.next().is_err());
    /// # Ok::<(), state_sync::RevisionOverflowError>(())
    /// ```
    pub const fn next(self) -> Result<Revision, RevisionOverflowError> {
        match self.0.checked_add(1) {
            Some(value) => Ok(Revision(value)),
            None => Err(RevisionOverflowError),
        }
    }
}

impl fmt::Display for Revision {
    /// Writes the canonical decimal form, the same text as on the wire (without quotes).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl From<u64> for Revision {
    fn from(value: u64) -> Self {
        Revision(value)
    }
}

impl From<Revision> for u64 {
    fn from(revision: Revision) -> Self {
        revision.0
    }
}

impl FromStr for Revision {
    type Err = ParseRevisionError;

    /// Parses a canonical revision string; see [`is_canonical_revision`] for the rules.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = |kind| {
            Err(ParseRevisionError {
                kind,
                input: preview(text),
            })
        };
        let bytes = text.as_bytes();
        if bytes.is_empty() {
            return error(ParseRevisionErrorKind::Empty);
        }
        if !bytes.iter().all(u8::is_ascii_digit) {
            return error(ParseRevisionErrorKind::InvalidCharacter);
        }
        if bytes.len() > 1 && bytes[0] == b'0' {
            return error(ParseRevisionErrorKind::LeadingZero);
        }
        // Only ASCII digits remain, so `u64::from_str` can fail on overflow alone.
        text.parse::<u64>().map_or_else(
            |_| error(ParseRevisionErrorKind::TooLarge),
            |value| Ok(Revision(value)),
        )
    }
}

impl Serialize for Revision {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Revision {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RevisionVisitor;

        impl Visitor<'_> for RevisionVisitor {
            type Value = Revision;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(EXPECTED)
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<Revision, E> {
                text.parse().map_err(E::custom)
            }
        }

        deserializer.deserialize_str(RevisionVisitor)
    }
}

/// Whether `text` is a canonical revision: `"0"`, or ASCII digits without a leading zero, at most
/// `"18446744073709551615"`. No sign, spaces, exponent, or non-ASCII digits; nothing after the last digit.
///
/// # Examples
///
/// ```
/// use state_sync::is_canonical_revision;
/// assert!(is_canonical_revision("10"));
/// assert!(is_canonical_revision("18446744073709551615"));
/// assert!(!is_canonical_revision("010"));
/// assert!(!is_canonical_revision("18446744073709551616"));
/// assert!(!is_canonical_revision("1\n"));
/// ```
#[must_use]
pub fn is_canonical_revision(text: &str) -> bool {
    text.parse::<Revision>().is_ok()
}

/// Compares two revision strings as numbers (`"9" < "10"`).
///
/// Unlike the TypeScript `compareRevisions`, whose argument type already guarantees canonical input, this
/// takes plain strings and checks them: non-canonical input is an error, never an arbitrary ordering.
///
/// # Errors
///
/// The [`ParseRevisionError`] of the first argument that is not canonical.
///
/// # Examples
///
/// ```
/// use std::cmp::Ordering;
/// use state_sync::compare_revisions;
///
/// assert_eq!(compare_revisions("9", "10")?, Ordering::Less);
/// assert_eq!(compare_revisions("18446744073709551615", "0")?, Ordering::Greater);
/// assert!(compare_revisions("09", "10").is_err());
/// # Ok::<(), state_sync::ParseRevisionError>(())
/// ```
pub fn compare_revisions(a: &str, b: &str) -> Result<Ordering, ParseRevisionError> {
    Ok(a.parse::<Revision>()?.cmp(&b.parse::<Revision>()?))
}

/// Why a string is not a canonical revision. The message names the input and the expected form.
///
/// # Examples
///
/// ```
/// use state_sync::{ParseRevisionErrorKind, Revision};
///
/// let error = "007".parse::<Revision>().unwrap_err();
/// assert_eq!(error.kind(), ParseRevisionErrorKind::LeadingZero);
/// assert!(error.to_string().contains("\"007\""));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseRevisionError {
    kind: ParseRevisionErrorKind,
    input: String,
}

impl ParseRevisionError {
    /// What was wrong with the input.
    ///
    /// ```
    /// use state_sync::{ParseRevisionErrorKind, Revision};
    /// assert_eq!("".parse::<Revision>().unwrap_err().kind(), ParseRevisionErrorKind::Empty);
    /// ```
    #[must_use]
    pub fn kind(&self) -> ParseRevisionErrorKind {
        self.kind
    }
}

impl fmt::Display for ParseRevisionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let problem = match self.kind {
            ParseRevisionErrorKind::Empty => "it is empty",
            ParseRevisionErrorKind::InvalidCharacter => {
                "it contains a character other than the digits 0-9"
            }
            ParseRevisionErrorKind::LeadingZero => "it has a leading zero",
            ParseRevisionErrorKind::TooLarge => "it is above 18446744073709551615 (2^64 - 1)",
        };
        write!(f, "expected {EXPECTED}, got {:?}: {problem}", self.input)
    }
}

impl std::error::Error for ParseRevisionError {}

/// The kinds of [`ParseRevisionError`].
///
/// # Examples
///
/// ```
/// use state_sync::{ParseRevisionErrorKind, Revision};
/// let kind = "+1".parse::<Revision>().unwrap_err().kind();
/// assert_eq!(kind, ParseRevisionErrorKind::InvalidCharacter);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ParseRevisionErrorKind {
    /// The string is empty.
    Empty,
    /// A character is not an ASCII digit (sign, space, dot, exponent, letter, non-ASCII digit…).
    InvalidCharacter,
    /// More than one digit, starting with `0`.
    LeadingZero,
    /// Above `18446744073709551615`.
    TooLarge,
}

/// [`Revision::next`] was called on [`Revision::MAX`]: revisions never wrap around to `0`.
///
/// # Examples
///
/// ```
/// use state_sync::Revision;
/// let error = Revision::MAX.next().unwrap_err();
/// assert!(error.to_string().contains("18446744073709551615"));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RevisionOverflowError;

impl fmt::Display for RevisionOverflowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(
            "revision 18446744073709551615 is the maximum (2^64 - 1) and has no successor; \
             start a new epoch to reset the revision",
        )
    }
}

impl std::error::Error for RevisionOverflowError {}

/// The input for an error message, cut after 64 characters.
fn preview(text: &str) -> String {
    match text.char_indices().nth(64) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_the_extremes() {
        assert_eq!("0".parse::<Revision>(), Ok(Revision::ZERO));
        assert_eq!(
            "18446744073709551615".parse::<Revision>(),
            Ok(Revision::MAX)
        );
        assert_eq!(Revision::MAX.to_string(), "18446744073709551615");
    }

    #[test]
    fn classifies_errors() {
        let kind = |text: &str| text.parse::<Revision>().unwrap_err().kind();
        assert_eq!(kind(""), ParseRevisionErrorKind::Empty);
        assert_eq!(kind("-1"), ParseRevisionErrorKind::InvalidCharacter);
        assert_eq!(kind("\u{0661}"), ParseRevisionErrorKind::InvalidCharacter);
        assert_eq!(kind("00"), ParseRevisionErrorKind::LeadingZero);
        assert_eq!(
            kind("18446744073709551616"),
            ParseRevisionErrorKind::TooLarge
        );
        assert_eq!(
            kind("100000000000000000000000"),
            ParseRevisionErrorKind::TooLarge
        );
    }

    #[test]
    fn error_messages_name_the_input_and_the_rule() {
        let message = "1.0".parse::<Revision>().unwrap_err().to_string();
        assert_eq!(
            message,
            "expected a revision: a decimal string from \"0\" to \"18446744073709551615\" without sign, \
             spaces or leading zeros, got \"1.0\": it contains a character other than the digits 0-9"
        );
        let long = "9".repeat(100);
        let message = long.parse::<Revision>().unwrap_err().to_string();
        assert!(
            message.contains(&format!("\"{}…\"", "9".repeat(64))),
            "{message}"
        );
    }

    #[test]
    fn deserializing_a_number_says_what_is_expected() {
        let message = serde_json::from_str::<Revision>("5")
            .unwrap_err()
            .to_string();
        assert!(
            message.starts_with("invalid type: integer `5`, expected a revision: a decimal string"),
            "{message}"
        );
    }

    #[test]
    fn next_never_wraps() {
        assert_eq!(Revision::new(u64::MAX - 1).next(), Ok(Revision::MAX));
        assert_eq!(Revision::MAX.next(), Err(RevisionOverflowError));
    }
}
