//! Standard output that a closed reader cannot crash.
//!
//! std's `println!` panics when stdout is a pipe whose reader has gone (`elevate history | head`).
//! Here a broken pipe ends the program with success, as the reader asked for no more; any other
//! write failure (a full disk behind a redirect) is reported once and ends it with EX_IOERR.

use std::fmt;
use std::io::{self, Write};
use std::process;

/// `println!`: the text and a newline.
pub fn line(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        failed(&e);
    }
}

/// `print!`: the text, flushed (it is used for prompts that wait on the same line).
pub fn text(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        failed(&e);
    }
}

/// One line, flushed at once (for a reader waiting on a pipe, as `watch --json` has).
pub fn line_flushed(text: &str) {
    let mut out = io::stdout().lock();
    let written = out
        .write_all(text.as_bytes())
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        failed(&e);
    }
}

/// Bytes as they are (a generated manual page or completion script).
pub fn bytes(data: &[u8]) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_all(data).and_then(|()| out.flush()) {
        failed(&e);
    }
}

fn failed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        process::exit(0);
    }
    eprintln!("error: cannot write the output: {e}");
    process::exit(74)
}
