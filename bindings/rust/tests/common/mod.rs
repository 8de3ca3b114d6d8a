//! The server the tests talk to: the project's emulator
//! (`Tests/emulator/milvus_emulator.py`, started per test on a free port and stopped when
//! dropped), or the server in `MILVUS_URL` when that is set (it needs a collection
//! `quick_setup`; the emulator options are then ignored).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};

pub const COLLECTION: &str = "quick_setup";

pub struct Server {
    pub url: String,
    child: Option<Child>,
    // Kept open: the emulator may print more, and a closed pipe would fail its writes.
    _stdout: Option<BufReader<ChildStdout>>,
}

impl Server {
    /// The emulator with these extra options (e.g. `["--job-seconds", "0.5"]`).
    pub fn start(args: &[&str]) -> Server {
        if let Ok(url) = std::env::var("MILVUS_URL") {
            return Server { url, child: None, _stdout: None };
        }
        let emulator = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../Tests/emulator/milvus_emulator.py");
        let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
        let mut child = Command::new(python)
            .arg(&emulator)
            .args(["--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", emulator.display()));
        // Its first line, "listening on <url>", says it is ready.
        let mut line = String::new();
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        stdout.read_line(&mut line).expect("reading the emulator's first line");
        let url = match line.trim().strip_prefix("listening on ") {
            Some(url) => url.to_string(),
            None => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("the emulator did not start: first line {line:?}");
            }
        };
        Server { url, child: Some(child), _stdout: Some(stdout) }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// data.jobId of a create's envelope `{"code":0,"data":{"jobId":"<digits>"}}`. (A program
/// reads it with a JSON library; the tests need only this one string.)
pub fn job_id_of(envelope: &str) -> String {
    let start = envelope.find(r#""jobId":""#).unwrap_or_else(|| panic!("no jobId in {envelope}")) + 9;
    let len = envelope[start..].find('"').expect("the end of the jobId");
    let id = &envelope[start..start + len];
    assert!(!id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()), "job id {id:?}");
    id.to_string()
}

/// A URL on which nothing listens: a port the system just gave and took back.
pub fn closed_port_url() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("binding a free port");
    let port = listener.local_addr().expect("its address").port();
    drop(listener);
    format!("http://127.0.0.1:{port}")
}
