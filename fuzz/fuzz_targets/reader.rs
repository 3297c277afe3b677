//! The Python reader on arbitrary bytes: decoding, the full read and the fast
//! header read must not panic, and on valid Python both reads must agree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use migcheck::alembic::revision_file::{decode_source, parse_revision, read_header};

fuzz_target!(|bytes: &[u8]| {
    let Ok(text) = decode_source(bytes) else {
        return;
    };
    let full = parse_revision("migrations/versions/x.py", &text);
    let fast = read_header(&text);
    match full.syntax_errors.first() {
        None => assert_eq!(fast.as_ref(), Ok(&full.header), "{text:?}"),
        Some((message, range)) => {
            if let Err(problem) = fast {
                assert_eq!((&problem.message, &problem.range), (message, range), "{text:?}");
            }
        }
    }
});
