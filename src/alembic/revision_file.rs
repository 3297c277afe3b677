//! Reads the module-level `revision`, `down_revision`, `branch_labels` and `depends_on` of a revision file without running it.
