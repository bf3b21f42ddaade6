//! Maps between config paths (`routes[0].stages[2]`) and places in the TOML text.
//!
//! The model is deserialized without spans, so validation can name *what* is wrong by path;
//! this module finds *where* by walking the spanned document toml parses.

use std::fmt;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A path into the configuration: keys and array indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigPath(Vec<Segment>);

/// One step of a [`ConfigPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    /// A table key.
    Key(String),
    /// An array index.
    Index(usize),
}

impl ConfigPath {
    /// The path of the whole document.
    pub fn root() -> Self {
        Self::default()
    }

    /// This path extended by a key.
    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Key(key.to_string()));
        next
    }

    /// This path extended by an index.
    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(Segment::Index(index));
        next
    }
}

impl fmt::Display for ConfigPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                Segment::Key(key) if i == 0 => f.write_str(key)?,
                Segment::Key(key) => write!(f, ".{key}")?,
                Segment::Index(index) => write!(f, "[{index}]")?,
            }
        }
        Ok(())
    }
}

/// A parsed TOML document that knows where each value is.
pub struct Located<'a> {
    root: Spanned<DeTable<'a>>,
}

impl<'a> Located<'a> {
    /// Parses `text`; a syntax error comes back as toml's error.
    pub fn parse(text: &'a str) -> Result<Self, toml::de::Error> {
        DeTable::parse(text).map(|root| Self { root })
    }

    /// The values along `path`, from the first segment down, as far as they exist.
    fn walk(&self, path: &ConfigPath) -> Vec<&Spanned<DeValue<'a>>> {
        let mut found: Vec<&Spanned<DeValue<'a>>> = Vec::new();
        for segment in &path.0 {
            let next = match (segment, found.last().map(|v| v.get_ref())) {
                (Segment::Key(key), None) => find_key(self.root.get_ref(), key),
                (Segment::Key(key), Some(DeValue::Table(t))) => find_key(t, key),
                (Segment::Index(i), Some(DeValue::Array(items))) => items.get(*i),
                _ => None,
            };
            let Some(next) = next else { break };
            found.push(next);
        }
        found
    }

    /// The span of the value at `path`, or of its nearest existing ancestor (a missing key is
    /// reported at the table that should hold it).
    pub fn span(&self, path: &ConfigPath) -> Option<Range<usize>> {
        self.walk(path).last().map(|v| v.span())
    }

    /// The spans of the items of the array at `path`, if there is one.
    pub fn items(&self, path: &ConfigPath) -> Option<Vec<Range<usize>>> {
        let found = self.walk(path);
        if found.len() != path.0.len() {
            return None;
        }
        match found.last()?.get_ref() {
            DeValue::Array(items) => Some(items.iter().map(|v| v.span()).collect()),
            _ => None,
        }
    }

    /// The path of the innermost key or value whose span contains `offset`: where a serde
    /// error is. Table spans cover only their headers, so every branch is searched.
    pub fn path_at(&self, offset: usize) -> ConfigPath {
        let mut best = ConfigPath::root();
        let contains = |span: Range<usize>| span.contains(&offset);
        for (key, value) in self.root.get_ref() {
            let path = ConfigPath::root().key(key.get_ref());
            if contains(key.span()) || contains(value.span()) {
                best = path.clone();
            }
            deepest(value, &path, &contains, &mut best);
        }
        best
    }
}

fn find_key<'t, 'a>(table: &'t DeTable<'a>, key: &str) -> Option<&'t Spanned<DeValue<'a>>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref().as_ref() == key)
        .map(|(_, v)| v)
}

fn deepest(
    value: &Spanned<DeValue<'_>>,
    path: &ConfigPath,
    contains: &dyn Fn(Range<usize>) -> bool,
    best: &mut ConfigPath,
) {
    let mut visit =
        |child_path: ConfigPath, key: Option<Range<usize>>, child: &Spanned<DeValue<'_>>| {
            if key.is_some_and(contains) || contains(child.span()) {
                *best = child_path.clone();
            }
            deepest(child, &child_path, contains, best);
        };
    match value.get_ref() {
        DeValue::Table(table) => {
            for (k, v) in table {
                visit(path.key(k.get_ref()), Some(k.span()), v);
            }
        }
        DeValue::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                visit(path.index(i), None, v);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DOC: &str = "[gateway]\nname = \"x\"\n\n[[routes]]\nname = \"a\"\nstages = [{ stage = \"proxy\", upstream = \"u\" }]\n";

    #[test]
    fn finds_nested_values_and_falls_back_to_ancestors() {
        let doc = Located::parse(DOC).unwrap();
        let path = ConfigPath::root()
            .key("routes")
            .index(0)
            .key("stages")
            .index(0)
            .key("upstream");
        assert_eq!(path.to_string(), "routes[0].stages[0].upstream");
        let span = doc.span(&path).unwrap();
        assert_eq!(&DOC[span], "\"u\"");
        let missing = ConfigPath::root().key("gateway").key("version");
        let span = doc.span(&missing).unwrap();
        assert_eq!(&DOC[span], "[gateway]");
    }

    #[test]
    fn finds_the_path_at_an_offset() {
        let doc = Located::parse(DOC).unwrap();
        let offset = DOC.find("\"u\"").unwrap();
        assert_eq!(
            doc.path_at(offset).to_string(),
            "routes[0].stages[0].upstream"
        );
    }
}
