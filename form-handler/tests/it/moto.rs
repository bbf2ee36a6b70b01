//! A moto server of the test's own, on a free port, ready when it has answered a real
//! DynamoDB request (a cold moto, just installed, takes seconds for its first one). It
//! answers one request at a time: moto's transactions are not isolated otherwise (see
//! `serial_moto.py`).

use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::config::{Credentials, Region};

pub struct Moto {
    pub port: u16,
    child: Option<Child>,
}

pub use crate::process::free_port;
use crate::process::{exited_early, moto_python, start_logged};

impl Moto {
    pub fn start() -> Moto {
        let mut m = Moto {
            port: free_port(),
            child: None,
        };
        m.spawn();
        m
    }

    fn spawn(&mut self) {
        // moto's own server application, one request at a time (see serial_moto.py), run by
        // the Python ./test.sh pins moto in ($MOTO_PYTHON), else by `python3`.
        let launcher = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/serial_moto.py");
        let python = moto_python();
        let mut command = Command::new(&python);
        command.args([launcher, "127.0.0.1", &self.port.to_string()]);
        let (child, log) = start_logged(command, &format!("moto-{}", self.port))
            .unwrap_or_else(|e| panic!("{python} (moto runs under it): {e}"));
        self.child = Some(child);
        let deadline = Instant::now() + READY_WITHIN;
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self
                .child
                .as_mut()
                .and_then(|c| c.try_wait().ok().flatten())
            {
                panic!("{}", exited_early(&python, status, &log));
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not listen on port {} within {READY_WITHIN:?}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        self.wait_until_it_answers(deadline);
    }

    /// Waits until ListTables gets an answer: the port accepts before moto has loaded
    /// its DynamoDB backend. On a thread of its own, since the tests call `start` from
    /// inside their runtime.
    fn wait_until_it_answers(&self, deadline: Instant) {
        let client = patient_client(&self.endpoint());
        let port = self.port;
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                loop {
                    match client.list_tables().send().await {
                        Ok(_) => return,
                        Err(e) => assert!(
                            Instant::now() < deadline,
                            "moto_server on port {port} did not answer ListTables within {READY_WITHIN:?}: {e:?}"
                        ),
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            })
        })
        .join()
        .unwrap();
    }

    /// Stops the server (the store is then unreachable).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_ok() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts it again on the same port (moto starts empty).
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A client for this server that waits as long as a slow server takes (the tests of
    /// the contract must not depend on the machine being idle; a stopped server is still
    /// refused at once).
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        patient_client(&self.endpoint())
    }

    /// A client for this server with the timeouts and attempts production uses.
    pub fn production_client(&self) -> aws_sdk_dynamodb::Client {
        client_for(&self.endpoint())
    }
}

/// How long a moto server may take to answer its first request (a cold start on a busy
/// machine: Python imports the whole DynamoDB backend on the first call).
const READY_WITHIN: Duration = Duration::from_secs(120);

fn client_with(endpoint: &str, timeouts: TimeoutConfig, attempts: u32) -> aws_sdk_dynamodb::Client {
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-central-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(timeouts)
        .retry_config(RetryConfig::standard().with_max_attempts(attempts))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

/// A client for `endpoint` with the timeouts and attempts production uses.
pub fn client_for(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(800))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(4))
        .build();
    client_with(endpoint, timeouts, 3)
}

/// A client that never gives up on its own: only the caller's deadline ends a call.
pub fn client_without_timeouts(endpoint: &str) -> aws_sdk_dynamodb::Client {
    client_with(endpoint, TimeoutConfig::disabled(), 1)
}

/// A client that waits as long as a cold server takes, for set-up and checks.
pub fn patient_client(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let timeouts = TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(10))
        .operation_attempt_timeout(Duration::from_secs(60))
        .build();
    client_with(endpoint, timeouts, 3)
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}

#[test]
fn a_moto_that_exits_early_is_shown_with_its_own_error() {
    let mut command = Command::new("sh");
    command.args([
        "-c",
        "echo Traceback >&2; echo \"ModuleNotFoundError: No module named 'moto'\" >&2; exit 1",
    ]);
    let (mut child, log) = start_logged(command, "moto-test").unwrap();
    let status = child.wait().unwrap();
    let said = exited_early("python3", status, &log);
    assert!(
        said.contains("ModuleNotFoundError: No module named 'moto'")
            && said.contains("MOTO_PYTHON"),
        "{said}"
    );
}
