//! Which log groups a SAR function acts on: include and exclude name prefixes
//! plus exact names that are always excluded (the shipper's own log group).
//!
//! An empty include list means "every log group". Exclusions win over
//! inclusions, and the always-excluded names win over everything.

use serde::Serialize;

/// Why a log group is left alone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Exclusion {
    /// It is one of the always-excluded names (the shipper's log group).
    Protected,
    /// It matches an exclude prefix.
    ExcludePrefix(String),
    /// Include prefixes are set and it matches none of them.
    NotIncluded,
}

/// The include/exclude rules.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Prefixes of the groups to act on; empty means all.
    pub include: Vec<String>,
    /// Prefixes of the groups to leave alone.
    pub exclude: Vec<String>,
    /// Exact names that are always left alone.
    pub protected: Vec<String>,
}

impl Selection {
    /// Builds a selection from comma-separated prefix lists.
    pub fn from_lists(include: &str, exclude: &str, protected: Vec<String>) -> Self {
        Selection {
            include: split_list(include),
            exclude: split_list(exclude),
            protected: protected.into_iter().filter(|p| !p.is_empty()).collect(),
        }
    }

    /// `None` when `name` is selected, otherwise why it is not.
    pub fn exclusion(&self, name: &str) -> Option<Exclusion> {
        if self.protected.iter().any(|p| p == name) {
            return Some(Exclusion::Protected);
        }
        if let Some(prefix) = self.exclude.iter().find(|p| name.starts_with(p.as_str())) {
            return Some(Exclusion::ExcludePrefix(prefix.clone()));
        }
        if !self.include.is_empty() && !self.include.iter().any(|p| name.starts_with(p.as_str())) {
            return Some(Exclusion::NotIncluded);
        }
        None
    }

    /// The name prefixes to list: the include prefixes without those covered
    /// by a shorter one, or a single empty prefix (everything).
    pub fn listing_prefixes(&self) -> Vec<String> {
        if self.include.is_empty() {
            return vec![String::new()];
        }
        let mut prefixes: Vec<String> = Vec::new();
        let mut sorted = self.include.clone();
        sorted.sort_by_key(String::len);
        for p in sorted {
            if !prefixes.iter().any(|q| p.starts_with(q.as_str())) {
                prefixes.push(p);
            }
        }
        prefixes
    }
}

/// Splits a comma (or newline) separated list, trimming blanks.
pub fn split_list(list: &str) -> Vec<String> {
    list.split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        let s = Selection::from_lists(
            "/aws/lambda/, /app/ ,",
            "/aws/lambda/logship-",
            vec!["/app/shipper".into()],
        );
        assert_eq!(s.exclusion("/aws/lambda/api"), None);
        assert_eq!(s.exclusion("/app/web"), None);
        assert_eq!(s.exclusion("/app/shipper"), Some(Exclusion::Protected));
        assert_eq!(
            s.exclusion("/aws/lambda/logship-dev"),
            Some(Exclusion::ExcludePrefix("/aws/lambda/logship-".into()))
        );
        assert_eq!(s.exclusion("/ecs/x"), Some(Exclusion::NotIncluded));
        assert_eq!(s.listing_prefixes(), vec!["/app/", "/aws/lambda/"]);
    }

    #[test]
    fn everything_by_default() {
        let s = Selection::from_lists("", " ", vec!["/aws/lambda/logship".into()]);
        assert_eq!(s.exclusion("/anything"), None);
        assert_eq!(
            s.exclusion("/aws/lambda/logship"),
            Some(Exclusion::Protected)
        );
        assert_eq!(s.exclusion("/aws/lambda/logship-other"), None);
        assert_eq!(s.listing_prefixes(), vec![String::new()]);
    }

    #[test]
    fn nested_include_prefixes_are_listed_once() {
        let s = Selection::from_lists("/a/b,/a,/c", "", vec![]);
        assert_eq!(s.listing_prefixes(), vec!["/a", "/c"]);
    }
}
