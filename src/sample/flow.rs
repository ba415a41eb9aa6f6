//! A compact min-cost max-flow solver (successive shortest paths with
//! Dijkstra on reduced costs), for the reviewer assignment.
//!
//! Written here rather than taken from a crate: no well-kept flow or matching
//! crate is among the project's dependencies, and the graphs are small (the
//! assignment aggregates cases into classes, see `assign`), so seventy lines
//! of textbook code are cheaper than a new dependency. Edge costs must be
//! non-negative; the result depends only on the order edges were added, so it
//! is deterministic.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

#[derive(Debug, Clone)]
struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

/// A flow network; edge `2i` is the i-th edge added, `2i + 1` its reverse.
#[derive(Debug, Clone, Default)]
pub struct Graph {
    edges: Vec<Edge>,
    adj: Vec<Vec<usize>>,
}

/// Handle of an added edge, to read its flow after solving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EdgeId(usize);

impl Graph {
    pub fn new() -> Graph {
        Graph::default()
    }

    /// Adds a node and returns its index.
    pub fn node(&mut self) -> usize {
        self.adj.push(Vec::new());
        self.adj.len() - 1
    }

    /// Adds an edge `from → to` with a capacity and a non-negative unit cost.
    pub fn edge(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> EdgeId {
        debug_assert!(cost >= 0 && cap >= 0);
        let id = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.adj[from].push(id);
        self.adj[to].push(id + 1);
        EdgeId(id)
    }

    /// The flow on an edge.
    pub fn flow(&self, e: EdgeId) -> i64 {
        self.edges[e.0 + 1].cap
    }

    /// Sends as much flow as possible from `s` to `t` at the least total cost
    /// among maximum flows; returns (flow, cost).
    pub fn min_cost_max_flow(&mut self, s: usize, t: usize) -> (i64, i64) {
        let n = self.adj.len();
        let mut potential = vec![0i64; n];
        let (mut flow, mut cost) = (0i64, 0i64);
        loop {
            // Dijkstra on reduced costs cost + p[u] − p[v] ≥ 0.
            let mut dist = vec![i64::MAX; n];
            let mut via = vec![usize::MAX; n];
            let mut heap = BinaryHeap::new();
            dist[s] = 0;
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                for &e in &self.adj[u] {
                    let edge = &self.edges[e];
                    if edge.cap == 0 {
                        continue;
                    }
                    let nd = d + edge.cost + potential[u] - potential[edge.to];
                    if nd < dist[edge.to] {
                        dist[edge.to] = nd;
                        via[edge.to] = e;
                        heap.push(Reverse((nd, edge.to)));
                    }
                }
            }
            if dist[t] == i64::MAX {
                return (flow, cost);
            }
            for v in 0..n {
                if dist[v] != i64::MAX {
                    potential[v] += dist[v];
                }
            }
            // Bottleneck along the path, then push.
            let mut push = i64::MAX;
            let mut v = t;
            while v != s {
                let e = via[v];
                push = push.min(self.edges[e].cap);
                v = self.edges[e ^ 1].to;
            }
            let mut v = t;
            while v != s {
                let e = via[v];
                self.edges[e].cap -= push;
                self.edges[e ^ 1].cap += push;
                cost += push * self.edges[e].cost;
                v = self.edges[e ^ 1].to;
            }
            flow += push;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_cheaper_of_two_routes_and_fills_both_when_needed() {
        let mut g = Graph::new();
        let (s, a, b, t) = (g.node(), g.node(), g.node(), g.node());
        let sa = g.edge(s, a, 2, 0);
        let sb = g.edge(s, b, 2, 0);
        g.edge(a, t, 2, 5);
        g.edge(b, t, 1, 1);
        let (flow, cost) = g.min_cost_max_flow(s, t);
        assert_eq!((flow, cost), (3, 11));
        assert_eq!((g.flow(sa), g.flow(sb)), (2, 1));
    }

    #[test]
    fn reroutes_through_reverse_edges() {
        // The greedy first path s-a-b-t blocks; the optimum uses s-a-t, s-b-t.
        let mut g = Graph::new();
        let (s, a, b, t) = (g.node(), g.node(), g.node(), g.node());
        g.edge(s, a, 1, 0);
        g.edge(s, b, 1, 0);
        let ab = g.edge(a, b, 1, 0);
        g.edge(a, t, 1, 3);
        g.edge(b, t, 1, 0);
        let (flow, cost) = g.min_cost_max_flow(s, t);
        assert_eq!((flow, cost), (2, 3));
        assert_eq!(g.flow(ab), 0);
    }

    #[test]
    fn bipartite_assignment_is_optimal() {
        // Three workers, three jobs; brute force over permutations agrees.
        let cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]];
        let mut g = Graph::new();
        let s = g.node();
        let t = g.node();
        let w: Vec<usize> = (0..3).map(|_| g.node()).collect();
        let j: Vec<usize> = (0..3).map(|_| g.node()).collect();
        for i in 0..3 {
            g.edge(s, w[i], 1, 0);
            g.edge(j[i], t, 1, 0);
            for k in 0..3 {
                g.edge(w[i], j[k], 1, cost[i][k]);
            }
        }
        let (flow, total) = g.min_cost_max_flow(s, t);
        let perms = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
        ];
        let best = perms
            .iter()
            .map(|p| (0..3).map(|i| cost[i][p[i]]).sum::<i64>())
            .min()
            .unwrap();
        assert_eq!((flow, total), (3, best));
    }
}
