//! Fast, non-cryptographic hashing for the ingest's id maps. Ids come from
//! the centre's own files, so hash flooding is not a concern, and the default
//! SipHash was a visible share of the time of validating millions of review
//! rows. aHash is already in the tree through arrow; it is used here with no
//! extra features, so adding it rebuilt nothing.
//!
//! [`IdMap`] keys the large id maps (cases, lawyers, reviewers) without a
//! heap string per id: at 5 M cases the case map's lookups and inserts
//! missed the caches twice each (the table, then the key's string), and the
//! strings were 5 M allocations.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasherDefault;

pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<ahash::AHasher>>;
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<ahash::AHasher>>;

/// Bytes of an id held inline; longer ids go to a map of their own.
const INLINE: usize = 23;

/// An id of at most [`INLINE`] bytes, held in the key itself (the size of
/// a `String`). The length is part of the key, so `"a"` and `"a\0"` differ.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct InlineId {
    len: u8,
    bytes: [u8; INLINE],
}
const _: () = assert!(std::mem::size_of::<InlineId>() == 24);

impl InlineId {
    fn new(id: &str) -> Option<Self> {
        let id = id.as_bytes();
        (id.len() <= INLINE).then(|| {
            let mut bytes = [0; INLINE];
            bytes[..id.len()].copy_from_slice(id);
            InlineId {
                len: id.len() as u8,
                bytes,
            }
        })
    }
}

/// A map from text ids to `V`. Ids of up to 23 bytes (the sample data's
/// case and lawyer ids have 14 and 17) are keyed inline; longer ones by a
/// string.
pub(crate) struct IdMap<V> {
    inline: FastMap<InlineId, V>,
    long: FastMap<Box<str>, V>,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap {
            inline: FastMap::default(),
            long: FastMap::default(),
        }
    }
}

impl<V> IdMap<V> {
    pub fn len(&self) -> usize {
        self.inline.len() + self.long.len()
    }

    pub fn get(&self, id: &str) -> Option<&V> {
        match InlineId::new(id) {
            Some(key) => self.inline.get(&key),
            None => self.long.get(id),
        }
    }

    pub fn contains_key(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// Adds `id`, replacing and returning what it had.
    pub fn insert(&mut self, id: &str, value: V) -> Option<V> {
        match InlineId::new(id) {
            Some(key) => self.inline.insert(key, value),
            None => self.long.insert(id.into(), value),
        }
    }
}

impl<V> std::ops::Index<&str> for IdMap<V> {
    type Output = V;

    fn index(&self, id: &str) -> &V {
        self.get(id).expect("an id known to the map")
    }
}

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

    #[test]
    fn id_map_tells_short_long_and_padded_ids_apart() {
        let long = "案件-2024-成都市-锦江区-000001"; // more than 23 bytes
        let edge = "x".repeat(INLINE);
        let over = "x".repeat(INLINE + 1);
        let mut m: IdMap<u32> = IdMap::default();
        for (n, id) in ["a", "a\0", "", long, &edge, &over].into_iter().enumerate() {
            assert_eq!(m.insert(id, n as u32), None, "{id:?} is new");
        }
        assert_eq!(m.len(), 6);
        assert_eq!(m.get("a"), Some(&0));
        assert_eq!(m.get("a\0"), Some(&1));
        assert_eq!(m[""], 2);
        assert_eq!(m[long], 3);
        assert_eq!(m[edge.as_str()], 4);
        assert_eq!(m[over.as_str()], 5);
        assert!(!m.contains_key("b"));
        assert!(!m.contains_key(&long[..long.len() - 1]));
        assert_eq!(m.insert(long, 9), Some(3));
        assert_eq!(m.insert("a", 7), Some(0));
        assert_eq!(m.len(), 6);
    }
}
