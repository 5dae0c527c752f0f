//! Graph algorithms the stages share, written without recursion: a document can make a
//! graph of a hundred thousand nodes, and a recursive walk of a long chain would exhaust
//! the stack.

use std::collections::BTreeMap;

/// The strongly connected components of a directed graph (Tarjan's algorithm, with an
/// explicit stack): each node's component as a number, equal for two nodes exactly when
/// each reaches the other. Edges to names that are not keys of `graph` are ignored.
/// Linear in nodes and edges.
pub(crate) fn strongly_connected(graph: &BTreeMap<String, Vec<String>>) -> BTreeMap<&str, usize> {
    const UNSEEN: usize = usize::MAX;
    let names: Vec<&str> = graph.keys().map(String::as_str).collect();
    let number: BTreeMap<&str, usize> = names.iter().enumerate().map(|(i, n)| (*n, i)).collect();
    let edges: Vec<Vec<usize>> = graph
        .values()
        .map(|targets| {
            targets
                .iter()
                .filter_map(|t| number.get(t.as_str()).copied())
                .collect()
        })
        .collect();
    let mut order = vec![UNSEEN; names.len()];
    let mut low = vec![0; names.len()];
    let mut on_stack = vec![false; names.len()];
    let mut component = vec![UNSEEN; names.len()];
    let mut stack = Vec::new();
    let (mut visited, mut components) = (0, 0);
    for root in 0..names.len() {
        if order[root] != UNSEEN {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut path = vec![(root, 0)];
        order[root] = visited;
        low[root] = visited;
        visited += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(top) = path.last_mut() {
            let node = top.0;
            if let Some(&target) = edges[node].get(top.1) {
                top.1 += 1;
                if order[target] == UNSEEN {
                    order[target] = visited;
                    low[target] = visited;
                    visited += 1;
                    stack.push(target);
                    on_stack[target] = true;
                    path.push((target, 0));
                } else if on_stack[target] {
                    low[node] = low[node].min(order[target]);
                }
                continue;
            }
            path.pop();
            if let Some(&(parent, _)) = path.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component[member] = components;
                    if member == node {
                        break;
                    }
                }
                components += 1;
            }
        }
    }
    names.into_iter().zip(component).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        edges
            .iter()
            .map(|(from, to)| (from.to_string(), to.iter().map(|t| t.to_string()).collect()))
            .collect()
    }

    #[test]
    fn components_are_the_cycles() {
        let g = graph(&[
            ("a", &["b"]),
            ("b", &["c", "missing"]),
            ("c", &["a", "d"]),
            ("d", &["d"]),
            ("e", &["a"]),
        ]);
        let c = strongly_connected(&g);
        assert_eq!(c["a"], c["b"]);
        assert_eq!(c["b"], c["c"]);
        assert_ne!(c["c"], c["d"]);
        assert_ne!(c["e"], c["a"]);
        assert_ne!(c["e"], c["d"]);
    }

    #[test]
    fn a_long_chain_needs_no_deep_stack() {
        let n = 200_000;
        let g: BTreeMap<String, Vec<String>> = (0..n)
            .map(|i| (format!("m{i}"), vec![format!("m{}", (i + 1) % n)]))
            .collect();
        let c = strongly_connected(&g);
        assert!(c.values().all(|&v| v == c["m0"]));
    }
}
