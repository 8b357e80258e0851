//! Text that carries a rule: URL slugs and e-mail addresses, each parsed once into a
//! newtype so code further in holds a value that is known to be well formed ("parse,
//! don't validate"). A ground-floor module: the rules live here once and shops,
//! products and accounts pick the limits they need, instead of each writing its own copy.

use std::fmt;

/// Why a typed field was refused, as the one sentence shown beside it ("Give the
/// product a title."). Parsers of merchants' input return it instead of a bare `String`,
/// so an error cannot be mistaken for the value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Invalid(pub String);

impl From<&str> for Invalid {
    fn from(message: &str) -> Invalid {
        Invalid(message.to_string())
    }
}

impl From<String> for Invalid {
    fn from(message: String) -> Invalid {
        Invalid(message)
    }
}

impl From<Invalid> for String {
    fn from(err: Invalid) -> String {
        err.0
    }
}

impl From<SlugError> for Invalid {
    fn from(err: SlugError) -> Invalid {
        Invalid(err.to_string())
    }
}

/// What a slug may look like where it is used: shop addresses are shorter and must not
/// shadow a route, product addresses live under the shop and only need a sane length.
#[derive(Debug, Clone, Copy)]
pub struct SlugRules {
    pub min: usize,
    pub max: usize,
    /// Words refused outright (compared after lower-casing).
    pub reserved: &'static [&'static str],
}

/// A URL slug: lower-case ASCII letters and digits, words joined by single hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Slug(String);

/// Why a typed slug was refused; `Display` is the sentence shown beside the field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("Use {min} to {max} characters.")]
    Length { min: usize, max: usize },
    #[error("Use only letters a–z, digits and hyphens.")]
    Characters,
    #[error("Hyphens go between words, one at a time.")]
    Hyphens,
    #[error("This address is reserved; choose another.")]
    Reserved,
}

impl From<SlugError> for String {
    fn from(err: SlugError) -> String {
        err.to_string()
    }
}

impl Slug {
    /// Trim and lower-case `input`, then check it against the charset and `rules`.
    pub fn parse(input: &str, rules: &SlugRules) -> Result<Slug, SlugError> {
        let value = input.trim().to_ascii_lowercase();
        // Length in bytes: anything non-ASCII is refused just below, so for every slug
        // that can pass, bytes and characters are the same count.
        if value.len() < rules.min.max(1) || value.len() > rules.max {
            return Err(SlugError::Length {
                min: rules.min.max(1),
                max: rules.max,
            });
        }
        if !value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(SlugError::Characters);
        }
        if value.starts_with('-') || value.ends_with('-') || value.contains("--") {
            return Err(SlugError::Hyphens);
        }
        if rules.reserved.contains(&value.as_str()) {
            return Err(SlugError::Reserved);
        }
        Ok(Slug(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A slug proposal from a name, at most `max` characters: "Anna's Tea Shop" →
/// "annas-tea-shop". Common Latin accents fold to their letter; apostrophes vanish so
/// "Anna's" stays one word; anything else separates words. May be empty ("!!!"): the
/// caller decides the fallback, and the proposal still goes through [`Slug::parse`].
pub fn slugify(name: &str, max: usize) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' | 'ø' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            c => c,
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c == '\'' || c == '’' {
            continue;
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(max).collect();
    out.trim_end_matches('-').to_string()
}

/// An e-mail address, trimmed and lower-cased so one person is one account and one
/// reminder however they typed it. Only the shape is checked, not deliverability.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Email(String);

/// The typed text is not shaped like an e-mail address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("Enter an e-mail address like name@example.com.")]
pub struct InvalidEmail;

impl From<InvalidEmail> for String {
    fn from(err: InvalidEmail) -> String {
        err.to_string()
    }
}

impl Email {
    /// The longest address SMTP can carry (RFC 5321's path limit less the brackets).
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Email, InvalidEmail> {
        let value = input.trim().to_lowercase();
        if value.is_empty()
            || value.len() > Email::MAX_LEN
            || value.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(InvalidEmail);
        }
        let (local, domain) = value.rsplit_once('@').ok_or(InvalidEmail)?;
        // A dot in the domain refuses "anna@localhost": shoppers and merchants type
        // real addresses, and a missing TLD is far more often a typo than an intranet.
        if local.is_empty()
            || local.contains('@')
            || !domain.contains('.')
            || domain.starts_with('.')
            || domain.ends_with('.')
        {
            return Err(InvalidEmail);
        }
        Ok(Email(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHORT: SlugRules = SlugRules {
        min: 3,
        max: 10,
        reserved: &["login"],
    };

    #[test]
    fn slugs_are_trimmed_lower_cased_and_checked() {
        assert_eq!(
            Slug::parse(" Anna-Tea ", &SHORT).unwrap().as_str(),
            "anna-tea"
        );
        assert_eq!(
            Slug::parse("ab", &SHORT),
            Err(SlugError::Length { min: 3, max: 10 })
        );
        assert!(matches!(
            Slug::parse("abcdefghijk", &SHORT),
            Err(SlugError::Length { .. })
        ));
        assert_eq!(Slug::parse("no spaces", &SHORT), Err(SlugError::Characters));
        assert_eq!(Slug::parse("café", &SHORT), Err(SlugError::Characters));
        assert_eq!(Slug::parse("-edge", &SHORT), Err(SlugError::Hyphens));
        assert_eq!(Slug::parse("a--b", &SHORT), Err(SlugError::Hyphens));
        assert_eq!(Slug::parse("LOGIN", &SHORT), Err(SlugError::Reserved));
    }

    #[test]
    fn a_zero_minimum_still_refuses_the_empty_slug() {
        let rules = SlugRules {
            min: 0,
            max: 80,
            reserved: &[],
        };
        assert_eq!(
            Slug::parse("  ", &rules).unwrap_err().to_string(),
            "Use 1 to 80 characters."
        );
    }

    #[test]
    fn slugify_folds_accents_and_respects_the_limit() {
        assert_eq!(
            slugify("Anna's Tea Shop — Paris", 40),
            "annas-tea-shop-paris"
        );
        assert_eq!(slugify("Café Crème", 40), "cafe-creme");
        assert_eq!(slugify("linen shirt sand", 11), "linen-shirt");
        assert_eq!(slugify("linen shirt", 6), "linen");
        assert_eq!(slugify("!!!", 40), "");
    }

    #[test]
    fn emails_are_normalised_and_need_a_local_part_and_a_domain() {
        assert_eq!(
            Email::parse(" Anna@Example.COM ").unwrap().as_str(),
            "anna@example.com"
        );
        assert_eq!(Email::parse("anna"), Err(InvalidEmail));
        assert_eq!(Email::parse("anna@localhost"), Err(InvalidEmail));
        assert_eq!(Email::parse("a b@example.com"), Err(InvalidEmail));
        assert_eq!(Email::parse("@example.com"), Err(InvalidEmail));
        assert_eq!(Email::parse("anna@example."), Err(InvalidEmail));
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(Email::parse(&long), Err(InvalidEmail));
    }
}
