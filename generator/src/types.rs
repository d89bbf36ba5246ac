//! The type expression language of the spec: `string`, `list<T>`, `map<T>`, `Name`, ...

use std::fmt;

/// A scalar type of the spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Scalar {
    String,
    Bool,
    I32,
    I64,
    U16,
    U32,
    U64,
    F64,
}

impl Scalar {
    pub const ALL: [(&'static str, Scalar); 8] = [
        ("string", Scalar::String),
        ("bool", Scalar::Bool),
        ("i32", Scalar::I32),
        ("i64", Scalar::I64),
        ("u16", Scalar::U16),
        ("u32", Scalar::U32),
        ("u64", Scalar::U64),
        ("f64", Scalar::F64),
    ];

    pub fn name(self) -> &'static str {
        Scalar::ALL
            .iter()
            .find(|(_, s)| *s == self)
            .map(|(n, _)| *n)
            .unwrap_or("string")
    }

    pub fn is_integer(self) -> bool {
        matches!(
            self,
            Scalar::I32 | Scalar::I64 | Scalar::U16 | Scalar::U32 | Scalar::U64
        )
    }
}

/// A parsed type expression.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TypeExpr {
    Scalar(Scalar),
    /// Free-form JSON.
    Any,
    List(Box<TypeExpr>),
    Map(Box<TypeExpr>),
    Named(String),
}

/// Words a type expression may use besides type names.
pub const BUILTIN_WORDS: [&str; 11] = [
    "string", "bool", "i32", "i64", "u16", "u32", "u64", "f64", "any", "list<T>", "map<T>",
];

impl TypeExpr {
    /// Parses `text`; the error says what is wrong with it.
    pub fn parse(text: &str) -> Result<TypeExpr, String> {
        let t = text.trim();
        if t.is_empty() {
            return Err("empty type expression".into());
        }
        for (prefix, wrap) in [
            ("list<", TypeExpr::List as fn(Box<TypeExpr>) -> TypeExpr),
            ("map<", TypeExpr::Map),
        ] {
            if let Some(rest) = t.strip_prefix(prefix) {
                let inner = rest
                    .strip_suffix('>')
                    .ok_or_else(|| format!("`{t}` opens `{prefix}` but does not end with `>`"))?;
                return Ok(wrap(Box::new(TypeExpr::parse(inner)?)));
            }
        }
        if t == "any" {
            return Ok(TypeExpr::Any);
        }
        if let Some((_, s)) = Scalar::ALL.iter().find(|(n, _)| *n == t) {
            return Ok(TypeExpr::Scalar(*s));
        }
        let valid_name = t.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && t.chars().all(|c| c.is_ascii_alphanumeric());
        if valid_name {
            Ok(TypeExpr::Named(t.to_string()))
        } else {
            Err(format!(
                "`{t}` is not a type: use string, bool, i32, i64, u16, u32, u64, f64, any, list<T>, map<T> or an UpperCamelCase type name"
            ))
        }
    }

    /// Every type name the expression mentions.
    pub fn names(&self) -> Vec<&str> {
        match self {
            TypeExpr::Named(n) => vec![n.as_str()],
            TypeExpr::List(inner) | TypeExpr::Map(inner) => inner.names(),
            _ => vec![],
        }
    }
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeExpr::Scalar(s) => f.write_str(s.name()),
            TypeExpr::Any => f.write_str("any"),
            TypeExpr::List(i) => write!(f, "list<{i}>"),
            TypeExpr::Map(i) => write!(f, "map<{i}>"),
            TypeExpr::Named(n) => f.write_str(n),
        }
    }
}

/// An API version such as `1.24`, ordered numerically.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    pub fn parse(text: &str) -> Result<ApiVersion, String> {
        let (a, b) = text
            .split_once('.')
            .ok_or_else(|| format!("`{text}` is not an API version like \"1.24\""))?;
        match (a.parse(), b.parse()) {
            (Ok(major), Ok(minor)) => Ok(ApiVersion { major, minor }),
            _ => Err(format!("`{text}` is not an API version like \"1.24\"")),
        }
    }
}

impl fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_containers() {
        assert_eq!(
            TypeExpr::parse("map<list<Port>>").unwrap(),
            TypeExpr::Map(Box::new(TypeExpr::List(Box::new(TypeExpr::Named(
                "Port".into()
            )))))
        );
    }

    #[test]
    fn rejects_lowercase_names_and_unclosed_brackets() {
        assert!(TypeExpr::parse("port").unwrap_err().contains("not a type"));
        assert!(TypeExpr::parse("list<string")
            .unwrap_err()
            .contains("does not end"));
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(ApiVersion::parse("1.9").unwrap() < ApiVersion::parse("1.24").unwrap());
        assert!(ApiVersion::parse("one").is_err());
    }
}
