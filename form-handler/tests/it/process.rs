//! Child processes for the integration tests of form-handler and site-publish (which
//! includes this file by path): free ports, a child's output kept, the Lambda runtime
//! emulator (`cargo lambda watch --only-lambda-apis`, PyPI cargo-lambda; ./test.sh installs
//! it and puts it on PATH) and a plain HTTP POST to it.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A child process killed when dropped, its output kept.
pub struct Running {
    pub child: Child,
    pub output: Arc<Mutex<String>>,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn keep_output(child: &mut Child) -> Arc<Mutex<String>> {
    let output = Arc::new(Mutex::new(String::new()));
    for stream in [
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        let output = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stream).lines().map_while(Result::ok) {
                let mut o = output.lock().unwrap();
                o.push_str(&line);
                o.push('\n');
            }
        });
    }
    output
}

/// The emulator on a free port, and the `AWS_LAMBDA_*` variables it prints.
pub fn emulator() -> (Running, u16, HashMap<String, String>) {
    let port = free_port();
    let mut child = Command::new("cargo")
        .args([
            "lambda",
            "watch",
            "--only-lambda-apis",
            "-A",
            "127.0.0.1",
            "-P",
        ])
        .arg(port.to_string())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("cannot run cargo");
    let output = keep_output(&mut child);
    let running = Running { child, output };
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let text = running.output.lock().unwrap().clone();
        if text.contains("starting Runtime server") {
            let vars = text
                .split_whitespace()
                .filter_map(|w| w.split_once('='))
                .filter(|(k, _)| k.starts_with("AWS_LAMBDA_"))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            return (running, port, vars);
        }
        assert!(
            !text.contains("no such command") && !text.contains("no such subcommand"),
            "cargo-lambda is missing: pip install cargo-lambda (./test.sh installs it and puts it on PATH)\n{text}"
        );
        assert!(
            Instant::now() < deadline,
            "cargo lambda watch did not start:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// POSTs `body` to `path` on 127.0.0.1:`port` (HTTP/1.0); the status and body.
pub fn post(port: u16, path: &str, body: &str) -> (u16, String) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, body.to_string())
}

/// Starts `command` (moto's launcher) with its standard error in a file of the temp folder
/// (a pipe would fill with moto's request log and stop it), which [`exited_early`] reads
/// back.
pub fn start_logged(
    mut command: Command,
    name: &str,
) -> std::io::Result<(Child, std::path::PathBuf)> {
    let log = std::env::temp_dir().join(format!("{name}-{}.log", std::process::id()));
    let file = std::fs::File::create(&log)?;
    let child = command
        .stdout(Stdio::null())
        .stderr(Stdio::from(file))
        .spawn()?;
    Ok((child, log))
}

/// What to say when moto exits before it listens: its own last words (an ImportError, a
/// port in use) and how ./test.sh installs it.
pub fn exited_early(
    python: &str,
    status: std::process::ExitStatus,
    log: &std::path::Path,
) -> String {
    let stderr = std::fs::read_to_string(log).unwrap_or_default();
    let tail: String = {
        let lines: Vec<&str> = stderr.lines().collect();
        lines[lines.len().saturating_sub(15)..].join("\n")
    };
    format!(
        "moto exited ({status}) before it listened; it said:\n{tail}\n\
         ({python} runs it: ./test.sh installs moto[server] pinned and sets MOTO_PYTHON)"
    )
}

/// The Python that runs moto: the one ./test.sh pins moto in (`$MOTO_PYTHON`), else
/// `python3`.
pub fn moto_python() -> String {
    std::env::var("MOTO_PYTHON").unwrap_or_else(|_| "python3".into())
}
