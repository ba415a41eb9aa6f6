//! A compact min-cost max-flow solver (primal-dual: Dijkstra on reduced
//! costs, then a blocking flow on the zero-reduced-cost edges), for the
//! reviewer assignment.
//!
//! Written here rather than taken from a crate: no well-kept flow or matching
//! crate is among the project's dependencies, and the graphs are small (the
//! assignment aggregates cases into classes, see `assign`), so a hundred
//! lines of textbook code are cheaper than a new dependency. Edge costs must be
//! non-negative; the result depends only on the order edges were added, so it
//! is deterministic.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

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
    ///
    /// Primal-dual: Dijkstra on reduced costs fixes the potentials, then a
    /// blocking flow (Dinic) fills every path of zero reduced cost at once, so
    /// the number of shortest-path rounds is the number of distinct path
    /// costs (small: costs are small integers), not the number of paths.
    pub fn min_cost_max_flow(&mut self, s: usize, t: usize) -> (i64, i64) {
        let n = self.adj.len();
        let mut potential = vec![0i64; n];
        let (mut flow, mut cost) = (0i64, 0i64);
        loop {
            let dist = self.dijkstra(s, &potential);
            if dist[t] == i64::MAX {
                return (flow, cost);
            }
            for v in 0..n {
                if dist[v] != i64::MAX {
                    potential[v] += dist[v];
                }
            }
            // Every admissible s–t path now costs potential[t] − potential[s].
            loop {
                let level = self.levels(s, &potential);
                if level[t] == usize::MAX {
                    break;
                }
                let mut next_arc = vec![0usize; n];
                loop {
                    let pushed = self.push_path(s, t, &level, &potential, &mut next_arc);
                    if pushed == 0 {
                        break;
                    }
                    flow += pushed;
                    cost += pushed * (potential[t] - potential[s]);
                }
            }
        }
    }

    /// Whether residual edge `e` out of `u` has reduced cost 0.
    fn admissible(&self, u: usize, e: usize, potential: &[i64]) -> bool {
        let edge = &self.edges[e];
        edge.cap > 0 && edge.cost + potential[u] - potential[edge.to] == 0
    }

    /// Shortest reduced-cost distances from `s` (reduced costs are ≥ 0).
    fn dijkstra(&self, s: usize, potential: &[i64]) -> Vec<i64> {
        let mut dist = vec![i64::MAX; self.adj.len()];
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
                    heap.push(Reverse((nd, edge.to)));
                }
            }
        }
        dist
    }

    /// BFS levels over the admissible edges.
    fn levels(&self, s: usize, potential: &[i64]) -> Vec<usize> {
        let mut level = vec![usize::MAX; self.adj.len()];
        let mut queue = VecDeque::from([s]);
        level[s] = 0;
        while let Some(u) = queue.pop_front() {
            for &e in &self.adj[u] {
                let to = self.edges[e].to;
                if level[to] == usize::MAX && self.admissible(u, e, potential) {
                    level[to] = level[u] + 1;
                    queue.push_back(to);
                }
            }
        }
        level
    }

    /// Finds one admissible path along rising levels (skipping dead arcs
    /// for good) and pushes its bottleneck; 0 when there is none left.
    fn push_path(
        &mut self,
        s: usize,
        t: usize,
        level: &[usize],
        potential: &[i64],
        next_arc: &mut [usize],
    ) -> i64 {
        let mut path: Vec<usize> = Vec::new();
        let mut u = s;
        loop {
            if u == t {
                let pushed = path.iter().map(|&e| self.edges[e].cap).min().unwrap_or(0);
                for &e in &path {
                    self.edges[e].cap -= pushed;
                    self.edges[e ^ 1].cap += pushed;
                }
                return pushed;
            }
            let mut advanced = false;
            while next_arc[u] < self.adj[u].len() {
                let e = self.adj[u][next_arc[u]];
                let to = self.edges[e].to;
                if level[to] == level[u] + 1 && self.admissible(u, e, potential) {
                    path.push(e);
                    u = to;
                    advanced = true;
                    break;
                }
                next_arc[u] += 1;
            }
            if !advanced {
                match path.pop() {
                    None => return 0,
                    Some(e) => {
                        u = self.edges[e ^ 1].to;
                        next_arc[u] += 1;
                    }
                }
            }
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

    /// Reference: successive shortest paths with Bellman–Ford, one path at a
    /// time, on an edge list.
    fn reference(n: usize, edges: &[(usize, usize, i64, i64)], s: usize, t: usize) -> (i64, i64) {
        let mut to = Vec::new();
        let mut cap = Vec::new();
        let mut cost = Vec::new();
        let mut from = Vec::new();
        for &(u, v, c, w) in edges {
            for (a, b, cc, ww) in [(u, v, c, w), (v, u, 0, -w)] {
                from.push(a);
                to.push(b);
                cap.push(cc);
                cost.push(ww);
            }
        }
        let (mut flow, mut total) = (0, 0);
        loop {
            let mut dist = vec![i64::MAX; n];
            let mut via = vec![usize::MAX; n];
            dist[s] = 0;
            for _ in 0..n {
                for e in 0..to.len() {
                    if cap[e] > 0
                        && dist[from[e]] != i64::MAX
                        && dist[from[e]] + cost[e] < dist[to[e]]
                    {
                        dist[to[e]] = dist[from[e]] + cost[e];
                        via[to[e]] = e;
                    }
                }
            }
            if dist[t] == i64::MAX {
                return (flow, total);
            }
            let mut push = i64::MAX;
            let mut v = t;
            while v != s {
                push = push.min(cap[via[v]]);
                v = from[via[v]];
            }
            let mut v = t;
            while v != s {
                cap[via[v]] -= push;
                cap[via[v] ^ 1] += push;
                v = from[via[v]];
            }
            flow += push;
            total += push * dist[t];
        }
    }

    #[test]
    fn agrees_with_a_reference_on_random_graphs() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..300 {
            let n = rng.random_range(2..9);
            let edges: Vec<(usize, usize, i64, i64)> = (0..rng.random_range(0..20))
                .map(|_| {
                    (
                        rng.random_range(0..n),
                        rng.random_range(0..n),
                        rng.random_range(0..5),
                        rng.random_range(0..6),
                    )
                })
                .filter(|(u, v, _, _)| u != v)
                .collect();
            let mut g = Graph::new();
            for _ in 0..n {
                g.node();
            }
            for &(u, v, c, w) in &edges {
                g.edge(u, v, c, w);
            }
            assert_eq!(
                g.min_cost_max_flow(0, n - 1),
                reference(n, &edges, 0, n - 1),
                "{edges:?}"
            );
        }
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
