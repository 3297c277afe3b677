//! Many short lists of revisions stored end to end in one allocation: a
//! history of tens of thousands of revisions has as many neighbour lists and
//! components, and one `Vec` each costs an allocation and a page touch apiece.

use std::ops::{Index, Range};

/// Lists of revision indices (or links), each addressed by its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FlatLists<T = usize> {
    items: Vec<T>,
    /// Where each list ends in `items`; it starts where the previous one ends.
    ends: Vec<usize>,
}

impl<T> Default for FlatLists<T> {
    fn default() -> Self {
        FlatLists {
            items: Vec::new(),
            ends: Vec::new(),
        }
    }
}

impl<T: Copy> FlatLists<T> {
    pub(super) fn with_capacity(lists: usize, items: usize) -> FlatLists<T> {
        FlatLists {
            items: Vec::with_capacity(items),
            ends: Vec::with_capacity(lists),
        }
    }

    /// One list per index in `0..n`, filled by `fill`.
    pub(super) fn from_fn(n: usize, mut fill: impl FnMut(usize, &mut Vec<T>)) -> FlatLists<T> {
        let mut lists = FlatLists::with_capacity(n, n);
        for i in 0..n {
            fill(i, &mut lists.items);
            lists.ends.push(lists.items.len());
        }
        lists
    }

    /// Adds an item to the list being built (the one `close` ends).
    pub(super) fn push(&mut self, item: T) {
        self.items.push(item);
    }

    /// Ends the list being built.
    pub(super) fn close(&mut self) {
        self.ends.push(self.items.len());
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// A list, or `None` past the last one.
    pub(super) fn get(&self, list: usize) -> Option<&[T]> {
        (list < self.len()).then(|| &self.items[self.range(list)])
    }

    /// The lists in order.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &[T]> + ExactSizeIterator + '_ {
        (0..self.len()).map(|list| &self[list])
    }

    /// Every item of every list, in order.
    pub(super) fn items(&self) -> &[T] {
        &self.items
    }

    /// Lists filled in any order: `sizes[i]` items for list `i`, from
    /// `(list, item)` pairs, each list keeping the order its items come in.
    pub(super) fn scatter(
        sizes: &[usize],
        pairs: impl IntoIterator<Item = (usize, T)>,
        fill: T,
    ) -> FlatLists<T> {
        let mut ends = Vec::with_capacity(sizes.len());
        let mut total = 0;
        for &size in sizes {
            total += size;
            ends.push(total);
        }
        let mut next: Vec<usize> = ends
            .iter()
            .zip(sizes)
            .map(|(end, size)| end - size)
            .collect();
        let mut items = vec![fill; total];
        for (list, item) in pairs {
            items[next[list]] = item;
            next[list] += 1;
        }
        FlatLists { items, ends }
    }

    /// Changes every list in place through `edit`, which may shorten it but
    /// never lengthen it.
    pub(super) fn edit_each(&mut self, mut edit: impl FnMut(&mut Vec<T>)) {
        let mut list = Vec::new();
        let mut start = 0;
        let mut kept = 0;
        for end in &mut self.ends {
            list.clear();
            list.extend_from_slice(&self.items[start..*end]);
            edit(&mut list);
            assert!(list.len() <= *end - start, "a list grew in place");
            start = *end;
            self.items[kept..kept + list.len()].copy_from_slice(&list);
            kept += list.len();
            *end = kept;
        }
        self.items.truncate(kept);
    }

    fn range(&self, list: usize) -> Range<usize> {
        let start = match list {
            0 => 0,
            _ => self.ends[list - 1],
        };
        start..self.ends[list]
    }
}

impl<T: Copy> Index<usize> for FlatLists<T> {
    type Output = [T];

    fn index(&self, list: usize) -> &[T] {
        &self.items[self.range(list)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_their_items_and_order() {
        let lists = FlatLists::from_fn(4, |i, out| out.extend(0..i));
        assert_eq!(lists.len(), 4);
        let all: Vec<&[usize]> = lists.iter().collect();
        assert_eq!(all, [&[][..], &[0], &[0, 1], &[0, 1, 2]]);
        assert_eq!(lists.iter().next_back(), Some(&[0, 1, 2][..]));
        assert_eq!(lists.items(), [0, 0, 1, 0, 1, 2]);

        let mut built = FlatLists::default();
        built.close();
        built.push(7);
        built.close();
        assert_eq!(&built[0], &[] as &[usize]);
        assert_eq!(&built[1], &[7]);
        assert_eq!(built.get(2), None);
    }

    #[test]
    fn scattered_items_keep_their_arrival_order_and_edits_compact() {
        let pairs = [(2, 5), (0, 1), (2, 3), (2, 5), (0, 1)];
        let mut lists = FlatLists::scatter(&[2, 0, 3], pairs, 0);
        let all: Vec<&[usize]> = lists.iter().collect();
        assert_eq!(all, [&[1, 1][..], &[], &[5, 3, 5]]);
        lists.edit_each(|list| {
            list.sort_unstable();
            list.dedup();
        });
        let all: Vec<&[usize]> = lists.iter().collect();
        assert_eq!(all, [&[1][..], &[], &[3, 5]]);
        assert_eq!(lists.items(), [1, 3, 5]);
    }
}
