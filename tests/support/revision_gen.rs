//! Random Alembic revision graphs for the conformance test, and the revision
//! files that describe them, written in the header styles real projects use.

use std::fmt::Write as _;
use std::path::Path;

/// splitmix64: small, seedable, good enough to spread test cases.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

#[derive(Debug, Clone)]
pub struct Rev {
    pub id: String,
    pub slug: String,
    pub down: Vec<String>,
    pub deps: Vec<String>,
    pub labels: Vec<String>,
}

impl Rev {
    pub fn file_name(&self) -> String {
        format!("{}_{}.py", self.id, self.slug)
    }
}

#[derive(Debug, Clone)]
pub struct Case {
    /// In loading order (file names sorted).
    pub revs: Vec<Rev>,
    pub mutation: &'static str,
    pub current: Vec<String>,
    pub target: String,
    pub range: Option<(String, String)>,
}

const WORDS: [&str; 12] = [
    "add", "users", "table", "drop", "index", "orders", "rename", "column", "merge", "heads",
    "email", "audit",
];

fn new_id(rng: &mut Rng, taken: &mut Vec<String>, shared_prefix: &str) -> String {
    loop {
        let len = if rng.chance(10) { 4 + rng.below(4) } else { 12 };
        let mut id = String::new();
        if !shared_prefix.is_empty() && rng.chance(30) {
            id.push_str(shared_prefix);
        }
        while id.len() < len {
            let _ = write!(id, "{:x}", rng.below(16));
        }
        if !taken.contains(&id) {
            taken.push(id.clone());
            return id;
        }
    }
}

fn slug(rng: &mut Rng, k: usize) -> String {
    format!("{}_{}_{k}", rng.pick(&WORDS), rng.pick(&WORDS))
}

/// Revisions reachable downward (through `down` and `deps`) from `start`.
fn ancestors(revs: &[Rev], start: usize) -> Vec<bool> {
    let mut seen = vec![false; revs.len()];
    let mut stack = vec![start];
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        for name in revs[i].down.iter().chain(&revs[i].deps) {
            for (j, r) in revs.iter().enumerate() {
                if &r.id == name || r.labels.contains(name) {
                    stack.push(j);
                }
            }
        }
    }
    seen
}

pub fn generate(rng: &mut Rng) -> Case {
    let size = match rng.below(20) {
        0 => rng.below(3),
        1..=12 => 3 + rng.below(12),
        13..=18 => 15 + rng.below(26),
        _ => 40 + rng.below(50),
    };
    let shared_prefix = if rng.chance(30) {
        "abcd".to_string()
    } else {
        String::new()
    };
    let mut taken = Vec::new();
    let mut revs: Vec<Rev> = Vec::new();
    let mut children = vec![0usize; size];
    let mut label_count = 0;
    let mut multi_deps = 0;
    for k in 0..size {
        let id = new_id(rng, &mut taken, &shared_prefix);
        let mut down: Vec<usize> = Vec::new();
        if k > 0 && !rng.chance(6) {
            let roll = rng.below(100);
            if roll < 55 {
                let tips: Vec<usize> = (0..k).filter(|&i| children[i] == 0).collect();
                down.push(if tips.is_empty() || rng.chance(50) {
                    k - 1
                } else {
                    *rng.pick(&tips)
                });
            } else if roll < 75 || k < 2 {
                down.push(rng.below(k));
            } else {
                let ways = if roll < 92 || k < 3 { 2 } else { 3 };
                while down.len() < ways {
                    let p = rng.below(k);
                    if !down.contains(&p) {
                        down.push(p);
                    }
                }
            }
        }
        for &p in &down {
            children[p] += 1;
        }
        let mut labels = Vec::new();
        if rng.chance(if down.is_empty() { 35 } else { 8 }) {
            labels.push(format!("lbl{label_count}"));
            label_count += 1;
        }
        let mut deps = Vec::new();
        if k > 1 && rng.chance(12) {
            // Alembic orders two or more normalized dependencies by string hash;
            // the oracle tries every order, so keep their number small.
            let count = if multi_deps == 0 && rng.chance(25) {
                2 + rng.below(2)
            } else {
                1
            };
            if count > 1 {
                multi_deps += 1;
            }
            for _ in 0..count {
                let t = rng.below(k);
                let labelled: Vec<&String> = revs[t].labels.iter().collect();
                let name = if !labelled.is_empty() && rng.chance(40) {
                    labelled[0].clone()
                } else {
                    revs[t].id.clone()
                };
                if !deps.contains(&name) {
                    deps.push(name);
                }
            }
        }
        revs.push(Rev {
            id,
            slug: slug(rng, k),
            down: down.iter().map(|&p| revs[p].id.clone()).collect(),
            deps,
            labels,
        });
    }
    let mutation = if !revs.is_empty() && rng.chance(30) {
        mutate(rng, &mut revs, &mut taken)
    } else {
        "none"
    };
    revs.sort_by_key(Rev::file_name);
    let (current, target, range) = queries(rng, &revs);
    Case {
        revs,
        mutation,
        current,
        target,
        range,
    }
}

fn mutate(rng: &mut Rng, revs: &mut Vec<Rev>, taken: &mut Vec<String>) -> &'static str {
    let n = revs.len();
    let i = rng.below(n);
    // Mutations that add a dependency pick a revision without any.
    let bare: Vec<usize> = (0..n).filter(|&j| revs[j].deps.is_empty()).collect();
    let d = if bare.is_empty() { i } else { *rng.pick(&bare) };
    let all_labels: Vec<String> = revs.iter().flat_map(|r| r.labels.clone()).collect();
    match rng.below(11) {
        0 => {
            let ghost = new_id(rng, taken, "");
            taken.retain(|t| t != &ghost);
            if rng.chance(50) {
                revs[i].down = vec![ghost];
            } else {
                revs[i].down.push(ghost);
            }
            "dangling parent"
        }
        1 | 2 => {
            // a descendant of i: anything whose ancestors include i
            let below: Vec<usize> = (0..n)
                .filter(|&j| j != i && ancestors(revs, j)[i])
                .collect();
            let Some(&d) = below.get(rng.below(below.len().max(1))) else {
                revs[i].down = vec![revs[i].id.clone()];
                return "self-loop";
            };
            let d_id = revs[d].id.clone();
            if rng.chance(50) {
                revs[i].down = vec![d_id];
            } else {
                revs[i].down.push(d_id);
            }
            "cycle"
        }
        3 => {
            let below: Vec<usize> = (0..n)
                .filter(|&j| j != d && ancestors(revs, j)[d])
                .collect();
            if let Some(&b) = below.get(rng.below(below.len().max(1))) {
                let b_id = revs[b].id.clone();
                revs[d].deps.push(b_id);
                "dependency cycle"
            } else {
                let own = revs[d].id.clone();
                revs[d].deps.push(own);
                "dependency self-loop"
            }
        }
        4 => {
            let own = revs[i].id.clone();
            revs[i].down.push(own);
            "self-loop"
        }
        5 => {
            let mut copy = revs[i].clone();
            copy.slug = format!("{}_copy", copy.slug);
            if rng.chance(50) {
                copy.down = if rng.chance(30) || n < 2 {
                    Vec::new()
                } else {
                    vec![revs[rng.below(n)].id.clone()]
                };
                copy.down.retain(|d| d != &copy.id);
            }
            if rng.chance(70) {
                copy.labels.clear();
            }
            revs.push(copy);
            "duplicate id"
        }
        6 => {
            let j = rng.below(n);
            if rng.chance(50) {
                let label = revs[j].id.clone();
                revs[i].labels.push(label);
            } else {
                revs[i].labels.push("clash".into());
                revs[j].labels.push("clash".into());
            }
            "label clash"
        }
        7 => {
            revs[d].deps.push("nosuchrevision".into());
            "missing depends_on"
        }
        8 if !all_labels.is_empty() => {
            let label = rng.pick(&all_labels).clone();
            revs[i].down = vec![label];
            "down_revision names a label"
        }
        9 if !revs[i].labels.is_empty() => {
            let label = revs[i].labels[0].clone();
            revs[i].deps.push(label);
            "depends_on own label"
        }
        _ => {
            let j = rng.below(n);
            let j_id = revs[j].id.clone();
            if j != d && !revs[d].deps.contains(&j_id) && !ancestors(revs, j)[d] {
                revs[d].deps.push(j_id);
            }
            "extra dependency"
        }
    }
}

fn queries(rng: &mut Rng, revs: &[Rev]) -> (Vec<String>, String, Option<(String, String)>) {
    let ids: Vec<String> = revs.iter().map(|r| r.id.clone()).collect();
    let labels: Vec<String> = revs.iter().flat_map(|r| r.labels.clone()).collect();
    let mut current = Vec::new();
    if !ids.is_empty() {
        match rng.below(4) {
            0 => {}
            1 => {
                for _ in 0..1 + rng.below(2) {
                    current.push(rng.pick(&ids).clone());
                }
            }
            _ => {
                let mut chosen: Vec<usize> = (0..1 + rng.below(3))
                    .map(|_| rng.below(revs.len()))
                    .collect();
                chosen.sort_unstable();
                chosen.dedup();
                let keep: Vec<usize> = chosen
                    .iter()
                    .copied()
                    .filter(|&c| !chosen.iter().any(|&o| o != c && ancestors(revs, o)[c]))
                    .collect();
                current = keep.iter().map(|&c| revs[c].id.clone()).collect();
            }
        }
    }
    let spec = |rng: &mut Rng, upper: bool| -> String {
        let roll = rng.below(100);
        if ids.is_empty() || roll < 30 {
            return if upper { "heads".into() } else { "base".into() };
        }
        if roll < 45 {
            return if upper {
                "head".into()
            } else {
                rng.pick(&ids).clone()
            };
        }
        if roll < 60 && !labels.is_empty() {
            let label = rng.pick(&labels);
            return match (upper, rng.below(3)) {
                (true, 0) => format!("{label}@heads"),
                (true, _) => format!("{label}@head"),
                (false, 0) => format!("{label}@base"),
                (false, 1) => format!("{label}@{}", rng.pick(&ids)),
                (false, _) => label.clone(),
            };
        }
        if roll < 70 {
            let id = rng.pick(&ids);
            let cut = 4.min(id.len()) + rng.below(3);
            return id.chars().take(cut).collect();
        }
        rng.pick(&ids).clone()
    };
    let target = spec(rng, true);
    let range = if rng.chance(50) {
        None
    } else {
        let lower = spec(rng, false);
        let upper = spec(rng, true);
        Some((lower, upper))
    };
    (current, target, range)
}

/// A Python literal for a list of names, in one of the shapes files use.
fn literal(rng: &mut Rng, names: &[String], quote: char) -> String {
    let q = |s: &String| format!("{quote}{s}{quote}");
    match names {
        [] => rng.pick(&["None", "()", "[]"]).to_string(),
        [one] => match rng.below(4) {
            0 => format!("({},)", q(one)),
            1 => format!("[{}]", q(one)),
            _ => q(one),
        },
        many => match rng.below(3) {
            0 => format!("({})", many.iter().map(q).collect::<Vec<_>>().join(", ")),
            1 => format!("[{}]", many.iter().map(q).collect::<Vec<_>>().join(", ")),
            _ => {
                let mut s = String::from("(\n");
                for (k, name) in many.iter().enumerate() {
                    let _ = writeln!(s, "    {},  # parent {k}", q(name));
                }
                s.push(')');
                s
            }
        },
    }
}

/// The text of one revision file.
pub fn render(rng: &mut Rng, rev: &Rev) -> String {
    let quote = if rng.chance(50) { '\'' } else { '"' };
    let annotated = rng.chance(50);
    let mut s = String::new();
    let title = rev.slug.replace('_', " ");
    let _ = write!(
        s,
        "\"\"\"{title}\n\nRevision ID: {}\nRevises: {}\nCreate Date: 2024-05-01 12:00:00.000000\n\n\"\"\"\n",
        rev.id,
        rev.down.join(", ")
    );
    if annotated {
        s.push_str("from typing import Sequence, Union\n\n");
    }
    s.push_str("from alembic import op\nimport sqlalchemy as sa\n\n\n# revision identifiers, used by Alembic.\n");
    let hint = if annotated {
        ": Union[str, Sequence[str], None]"
    } else {
        ""
    };
    let rev_hint = if annotated { ": str" } else { "" };
    let _ = writeln!(s, "revision{rev_hint} = {quote}{}{quote}", rev.id);
    let _ = writeln!(
        s,
        "down_revision{hint} = {}",
        literal(rng, &rev.down, quote)
    );
    if !rev.labels.is_empty() || rng.chance(70) {
        let _ = writeln!(
            s,
            "branch_labels{hint} = {}",
            literal(rng, &rev.labels, quote)
        );
    }
    if !rev.deps.is_empty() || rng.chance(70) {
        let _ = writeln!(s, "depends_on{hint} = {}", literal(rng, &rev.deps, quote));
    }
    let ret = if annotated { " -> None" } else { "" };
    let _ = write!(
        s,
        "\n\ndef upgrade(){ret}:\n    op.execute(\"SELECT 1\")\n\n\ndef downgrade(){ret}:\n    pass\n"
    );
    s
}

/// Writes `case` as `dir/versions/<id>_<slug>.py` files.
pub fn write_case(rng: &mut Rng, dir: &Path, case: &Case) -> std::io::Result<()> {
    let versions = dir.join("versions");
    std::fs::create_dir_all(&versions)?;
    for rev in &case.revs {
        std::fs::write(versions.join(rev.file_name()), render(rng, rev))?;
    }
    Ok(())
}
