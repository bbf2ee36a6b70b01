//! A moto server of the test's own, on a free port.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb::config::{Credentials, Region};

pub struct Moto {
    pub port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

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
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server is missing: pip install 'moto[server]' (./test.sh does)");
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(50));
        }
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

    /// A client for this server, with short timeouts so that faults show quickly.
    pub fn client(&self) -> aws_sdk_dynamodb::Client {
        client_for(&self.endpoint())
    }
}

pub fn client_for(endpoint: &str) -> aws_sdk_dynamodb::Client {
    let timeouts = aws_sdk_dynamodb::config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_millis(500))
        .operation_attempt_timeout(Duration::from_millis(1500))
        .operation_timeout(Duration::from_secs(4))
        .build();
    let config = aws_sdk_dynamodb::Config::builder()
        .behavior_version_latest()
        .region(Region::new("eu-central-1"))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new("test", "test", None, None, "test"))
        .timeout_config(timeouts)
        .retry_config(aws_sdk_dynamodb::config::retry::RetryConfig::standard().with_max_attempts(2))
        .build();
    aws_sdk_dynamodb::Client::from_conf(config)
}

impl Drop for Moto {
    fn drop(&mut self) {
        self.stop();
    }
}
