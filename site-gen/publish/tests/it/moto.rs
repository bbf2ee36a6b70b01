//! A moto server of the test's own, on a free port, with its request log
//! (form-handler's `serial_moto.py --log`); clients for it.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use aws_sdk_s3::config::{Credentials, Region};

pub struct Moto {
    pub port: u16,
    child: Child,
}

pub use crate::process::free_port;
use crate::process::{exited_early, moto_python, start_logged};

/// How long a cold moto may take to answer its first request.
const READY_WITHIN: Duration = Duration::from_secs(120);

impl Moto {
    pub fn start() -> Moto {
        let port = free_port();
        // form-handler's launcher: one request at a time, with its request log.
        let launcher = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../form-handler/tests/it/serial_moto.py"
        );
        let python = moto_python();
        let mut command = Command::new(&python);
        command.args([launcher, "127.0.0.1", &port.to_string(), "--log"]);
        let (mut child, log) = start_logged(command, &format!("moto-{port}"))
            .unwrap_or_else(|e| panic!("{python} (moto runs under it): {e}"));
        let deadline = Instant::now() + READY_WITHIN;
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{}", exited_early(&python, status, &log));
            }
            if TcpStream::connect(("127.0.0.1", port)).is_ok() {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "moto did not listen within {READY_WITHIN:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        Moto { port, child }
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment that points the SDK (in a child process) at this server.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL_S3", self.endpoint()),
            ("AWS_ENDPOINT_URL_CLOUDFRONT", self.endpoint()),
            ("AWS_REGION", "eu-north-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_EC2_METADATA_DISABLED", "true".into()),
        ]
    }

    pub fn s3(&self) -> aws_sdk_s3::Client {
        let config = aws_sdk_s3::Config::builder()
            .behavior_version_latest()
            .region(Region::new("eu-north-1"))
            .endpoint_url(self.endpoint())
            .force_path_style(true)
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .request_checksum_calculation(
                aws_sdk_s3::config::RequestChecksumCalculation::WhenRequired,
            )
            .build();
        aws_sdk_s3::Client::from_conf(config)
    }

    /// Creates the bucket `name` in the tests' region.
    pub async fn create_bucket(&self, name: &str) {
        use aws_sdk_s3::types::{BucketLocationConstraint, CreateBucketConfiguration};
        let location = CreateBucketConfiguration::builder()
            .location_constraint(BucketLocationConstraint::EuNorth1)
            .build();
        self.s3()
            .create_bucket()
            .bucket(name)
            .create_bucket_configuration(location)
            .send()
            .await
            .unwrap();
    }

    pub fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        let config = aws_sdk_cloudfront::Config::builder()
            .behavior_version_latest()
            .region(Region::new("us-east-1"))
            .endpoint_url(self.endpoint())
            .credentials_provider(Credentials::new("test", "test", None, None, "test"))
            .build();
        aws_sdk_cloudfront::Client::from_conf(config)
    }

    fn raw(&self, method: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
        write!(s, "{method} /_requests HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out.split_once("\r\n\r\n")
            .map(|(_, b)| b.to_string())
            .unwrap_or_default()
    }

    /// The requests since the last call, in the order moto answered them (one at a time):
    /// method, path, query. The log is emptied.
    pub fn take_log(&self) -> Vec<[String; 3]> {
        let log = serde_json::from_str(&self.raw("GET")).unwrap();
        self.raw("DELETE");
        log
    }

    /// The requests since the last call, counted by kind (`PutObject`, `ListObjectsV2`,
    /// `CreateInvalidation`…); the log is emptied.
    pub fn take_requests(&self) -> Requests {
        Requests::of(&self.take_log())
    }
}

/// Requests counted by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requests(pub BTreeMap<&'static str, usize>);

impl Requests {
    /// A log (`Moto::take_log`) counted by kind.
    pub fn of(log: &[[String; 3]]) -> Requests {
        let mut counts = BTreeMap::new();
        for [method, path, query] in log {
            *counts.entry(kind(method, path, query)).or_insert(0) += 1;
        }
        Requests(counts)
    }

    pub fn get(&self, kind: &str) -> usize {
        self.0.get(kind).copied().unwrap_or(0)
    }

    /// Requests to S3, of any kind.
    pub fn s3(&self) -> usize {
        self.0
            .iter()
            .filter(|(k, _)| !k.starts_with("CloudFront"))
            .map(|(_, n)| n)
            .sum()
    }

    /// Requests that change something.
    pub fn writes(&self) -> usize {
        [
            "PutObject",
            "DeleteObjects",
            "DeleteObject",
            "CloudFrontCreateInvalidation",
        ]
        .iter()
        .map(|k| self.get(k))
        .sum()
    }
}

/// The API operation of a request, from its method, path and query (path-style S3).
fn kind(method: &str, path: &str, query: &str) -> &'static str {
    if path.starts_with("/2020-05-31/") {
        return match (method, path.ends_with("/invalidation")) {
            ("POST", true) => "CloudFrontCreateInvalidation",
            (_, true) => "CloudFrontListInvalidations",
            _ => "CloudFrontOther",
        };
    }
    let has_key = path.trim_matches('/').contains('/');
    let q = |name: &str| {
        query
            .split('&')
            .any(|p| p == name || p.starts_with(&format!("{name}=")))
    };
    match (method, has_key) {
        ("GET", false) if q("list-type") => "ListObjectsV2",
        ("GET", false) if q("versions") => "ListObjectVersions",
        ("POST", false) if q("delete") => "DeleteObjects",
        ("PUT", false) => "CreateBucket",
        ("PUT", true) => "PutObject",
        ("GET", true) => "GetObject",
        ("HEAD", true) => "HeadObject",
        ("DELETE", true) => "DeleteObject",
        _ => "S3Other",
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
