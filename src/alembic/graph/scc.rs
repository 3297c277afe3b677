//! Strongly connected components with an iterative Tarjan: no recursion, so a
//! chain of 100,000 revisions or a cycle of 10,000 costs a loop, not a stack.
//! A component is emitted only after every component reachable from it, so
//! with edges pointing at parents, parents come out first.

const UNVISITED: usize = usize::MAX;

/// The components of the graph `adj` (node `i` has edges to `adj[i]`), every
/// node in exactly one component, in Tarjan's emission order.
pub(super) fn components(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let n = adj.len();
    let mut index = vec![UNVISITED; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut calls: Vec<(usize, usize)> = Vec::new();
    let mut counter = 0usize;
    let mut out = Vec::new();
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
            if let Some(&w) = adj[v].get(next) {
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
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                out.push(component);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut comps: Vec<Vec<usize>>) -> Vec<Vec<usize>> {
        for c in &mut comps {
            c.sort_unstable();
        }
        comps
    }

    #[test]
    fn finds_cycle_and_tail() {
        // 0 -> 1 -> 2 -> 1, 2 -> 3
        let adj = vec![vec![1], vec![2], vec![1, 3], vec![]];
        assert_eq!(sorted(components(&adj)), vec![vec![3], vec![1, 2], vec![0]]);
    }

    #[test]
    fn long_chain_without_recursion() {
        let n = 200_000;
        let adj: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let comps = components(&adj);
        assert_eq!(comps.len(), n);
        assert_eq!(comps[0], vec![n - 1]);
    }

    #[test]
    fn big_cycle_is_one_component() {
        let n = 10_000;
        let adj: Vec<Vec<usize>> = (0..n).map(|i| vec![(i + 1) % n]).collect();
        let comps = components(&adj);
        assert_eq!(comps.len(), 1);
        assert_eq!(comps[0].len(), n);
    }
}
