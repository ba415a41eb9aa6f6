//! Fast, non-cryptographic hashing for the ingest's id maps. Ids come from
//! the centre's own files, so hash flooding is not a concern, and the default
//! SipHash was a visible share of the time of validating millions of review
//! rows. aHash is already in the tree through arrow; it is used here with no
//! extra features, so adding it rebuilt nothing.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<ahash::AHasher>>;
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<ahash::AHasher>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_and_sets_behave_as_maps_and_sets() {
        let mut m: FastMap<String, u32> = FastMap::default();
        m.insert("CD-2024-000001".into(), 1);
        m.insert("CD-2024-000002".into(), 2);
        assert_eq!(m.get("CD-2024-000002"), Some(&2));
        let s: FastSet<&str> = ["a", "b", "a"].into_iter().collect();
        assert_eq!(s.len(), 2);
    }
}
