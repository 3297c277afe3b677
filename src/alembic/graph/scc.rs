//! Strongly connected components with an iterative Tarjan: no recursion, so a
//! chain of 100,000 revisions or a cycle of 10,000 costs a loop, not a stack.
//! A component is emitted only after every component reachable from it, so
//! with edges pointing at parents, parents come out first.

use super::flat::FlatLists;

const UNVISITED: usize = usize::MAX;

/// The components of the graph of `n` nodes where node `i` has edges to
/// `adj(i)`, every node in exactly one component, in Tarjan's emission order.
pub(super) fn components<'a>(n: usize, adj: impl Fn(usize) -> &'a [usize]) -> FlatLists {
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut counter = 0usize;
    let mut out = FlatLists::with_capacity(n, n);
    for root in 0..n {
        if index[root] != UNVISITED {
            continue;
        }
        index[root] = counter;
        low[root] = counter;
        counter += 1;
        stack.push(root);
        on_stack[root] = true;
        calls.push((root, 0));
        while let Some(frame) = calls.last_mut() {
            let (v, next) = *frame;
            if let Some(&w) = adj(v).get(next) {
                frame.1 += 1;
                if index[w] == UNVISITED {
                    index[w] = counter;
                    low[w] = counter;
                    counter += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    calls.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    out.push(w);
                    if w == v {
                        break;
                    }
                }
                out.close();
            }
        }
    }
    out
}

/// [`components`] of a graph given as one list of edges per node.
pub(super) fn components_of(adj: &[Vec<usize>]) -> FlatLists {
    components(adj.len(), |v| &adj[v])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(comps: FlatLists) -> Vec<Vec<usize>> {
        comps
            .iter()
            .map(|c| {
                let mut c = c.to_vec();
                c.sort_unstable();
                c
            })
            .collect()
    }

    #[test]
    fn finds_cycle_and_tail() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3
        let adj = vec![vec![1], vec![2], vec![1, 3], vec![]];
        assert_eq!(
            sorted(components_of(&adj)),
            vec![vec![3], vec![1, 2], vec![0]]
        );
    }

    #[test]
    fn long_chain_without_recursion() {
        let n = 200_000;
        let adj: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let comps = components_of(&adj);
        assert_eq!(comps.len(), n);
        assert_eq!(comps[0], [n - 1]);
    }

    #[test]
    fn big_cycle_is_one_component() {
        let n = 10_000;
        let adj: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let comps = components_of(&adj);
        assert_eq!(comps.len(), 1);
        assert_eq!(comps[0].len(), n);
    }
}
