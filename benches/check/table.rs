//! The results as a Markdown table: medians, cost per revision (to see that
//! it is linear), each command against the floor, `alembic heads` against
//! each migcheck command, and peak memory.

use std::fmt::Write as _;

use crate::measure::Sample;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Floor,
    Migcheck,
    Alembic,
}

pub struct Row {
    size: usize,
    kind: Kind,
    command: &'static str,
    backend: &'static str,
    sample: Sample,
}

impl Row {
    pub fn floor(size: usize, sample: Sample) -> Row {
        Row {
            size,
            kind: Kind::Floor,
            command: "floor: git2 reads the versions blobs",
            backend: "libgit2",
            sample,
        }
    }

    pub fn migcheck(
        size: usize,
        command: &'static str,
        backend: &'static str,
        sample: Sample,
    ) -> Row {
        Row {
            size,
            kind: Kind::Migcheck,
            command,
            backend,
            sample,
        }
    }

    pub fn alembic(size: usize, sample: Sample) -> Row {
        Row {
            size,
            kind: Kind::Alembic,
            command: "alembic heads",
            backend: "-",
            sample,
        }
    }
}

pub struct Table {
    machine: String,
    rows: Vec<Row>,
}

impl Table {
    pub fn new(machine: String) -> Table {
        Table {
            machine,
            rows: Vec::new(),
        }
    }

    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    /// The whole table, with the machine it was measured on.
    pub fn render(&self) -> String {
        let mut sizes: Vec<usize> = self.rows.iter().map(|r| r.size).collect();
        sizes.dedup();
        let mut out = format!("Measured on: {}\n\n", self.machine);
        out.push_str(HEADER);
        for size in sizes {
            self.rows_of(size, &mut out);
        }
        out
    }

    /// The rows of one size, for progress while the run goes on.
    pub fn render_size(&self, size: usize) -> String {
        let mut out = String::from(HEADER);
        self.rows_of(size, &mut out);
        out
    }

    fn rows_of(&self, size: usize, out: &mut String) {
        let rows: Vec<&Row> = self.rows.iter().filter(|r| r.size == size).collect();
        let floor = rows
            .iter()
            .find(|r| r.kind == Kind::Floor)
            .map(|r| r.sample.median);
        let alembic = rows
            .iter()
            .find(|r| r.kind == Kind::Alembic)
            .map(|r| r.sample.median);
        for row in rows {
            let median = row.sample.median.as_secs_f64();
            let per_revision = median * 1e6 / size as f64;
            let against_floor = floor.map_or(String::from("-"), |f| {
                format!("{:.2}", median / f.as_secs_f64())
            });
            let alembic_ratio = match (row.kind, alembic) {
                (Kind::Migcheck, Some(a)) => format!("{:.0}", a.as_secs_f64() / median),
                _ => String::from("-"),
            };
            let memory = row.sample.max_rss_kib.map_or(String::from("-"), |kib| {
                format!("{:.1} MB", kib as f64 / 1024.0)
            });
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {} | {:.1} | {} | {} | {} |",
                thousands(size),
                row.command,
                row.backend,
                duration(median),
                duration(row.sample.cpu.as_secs_f64()),
                per_revision,
                against_floor,
                alembic_ratio,
                memory,
            );
        }
    }
}

const HEADER: &str = "\
| revisions | command | git backend | median | CPU | µs / revision | × floor | alembic heads ÷ this | peak RSS |
|---:|---|---|---:|---:|---:|---:|---:|---:|
";

fn duration(seconds: f64) -> String {
    if seconds >= 1.0 {
        format!("{seconds:.2} s")
    } else {
        format!("{:.1} ms", seconds * 1e3)
    }
}

fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}
