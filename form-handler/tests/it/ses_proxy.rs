//! A proxy in front of moto's SES that, request by request, forwards, delays the answer,
//! refuses before forwarding (as SES's throttling does), or forwards and then drops the
//! answer (the mail is sent; the sender never hears). Plain HTTP/1.1 over TCP: each
//! request is forwarded on a connection of its own with `Connection: close`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Forward,
    /// Forward, and answer after this long.
    Delay(Duration),
    /// Answer 400 TooManyRequestsException without forwarding: nothing is sent.
    Throttle,
    /// Forward (SES sends the mail), then close the connection without an answer.
    DropAnswer,
    /// Answer 400 MessageRejected naming the recipient (an address SES will not take),
    /// without forwarding.
    RejectRecipient,
}

/// What the proxy did, request by request.
#[derive(Debug, Default)]
pub struct Log {
    pub faults: Vec<Fault>,
    /// Requests SES (moto) has answered, whatever the proxy then does with the answer.
    pub forwarded: usize,
}

/// A running proxy; stops with the test's runtime.
pub struct SesProxy {
    pub endpoint: String,
    pub log: Arc<Mutex<Log>>,
}

impl SesProxy {
    /// Starts a proxy to `upstream` (`http://host:port`) choosing each request's fault with
    /// `choose` (called with the request's number, from 0).
    pub async fn start(
        upstream: &str,
        choose: impl Fn(usize) -> Fault + Send + Sync + 'static,
    ) -> SesProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let upstream = upstream.trim_start_matches("http://").to_string();
        let log = Arc::new(Mutex::new(Log::default()));
        let choose = Arc::new(choose);
        let state = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let (upstream, choose, log) = (upstream.clone(), choose.clone(), state.clone());
                tokio::spawn(async move {
                    let _ = serve(client, &upstream, &*choose, &log).await;
                });
            }
        });
        SesProxy { endpoint, log }
    }

    pub fn faults(&self) -> Vec<Fault> {
        self.log.lock().unwrap().faults.clone()
    }

    /// How many requests SES (moto) has answered through the proxy.
    pub fn forwarded(&self) -> usize {
        self.log.lock().unwrap().forwarded
    }
}

/// Serves the requests of one client connection, in turn.
async fn serve(
    mut client: TcpStream,
    upstream: &str,
    choose: &(dyn Fn(usize) -> Fault + Send + Sync),
    log: &Mutex<Log>,
) -> std::io::Result<()> {
    loop {
        let Some(request) = read_message(&mut client).await? else {
            return Ok(());
        };
        let fault = {
            let mut log = log.lock().unwrap();
            let fault = choose(log.faults.len());
            log.faults.push(fault);
            fault
        };
        let refusal = match fault {
            Fault::Throttle => Some((
                "TooManyRequestsException",
                "Maximum sending rate exceeded.".to_string(),
            )),
            Fault::RejectRecipient => Some((
                "MessageRejected",
                format!(
                    "Email address is not verified. The following identities failed the \
                     check in region EU-CENTRAL-1: {}",
                    recipient(&request)
                ),
            )),
            _ => None,
        };
        if let Some((code, message)) = refusal {
            let body = serde_json::json!({ "message": message }).to_string();
            let answer = format!(
                "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n\
                 x-amzn-errortype: {code}\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            client.write_all(answer.as_bytes()).await?;
            continue;
        }
        let answer = forward(upstream, &request).await?;
        log.lock().unwrap().forwarded += 1;
        match fault {
            Fault::DropAnswer => return Ok(()),
            Fault::Delay(d) => tokio::time::sleep(d).await,
            _ => {}
        }
        client.write_all(&answer).await?;
    }
}

/// The `To:` address of the raw message in a SendEmail request.
fn recipient(request: &[u8]) -> String {
    use base64::Engine;
    let text = String::from_utf8_lossy(request);
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let raw = json["Content"]["Raw"]["Data"].as_str().unwrap_or_default();
    let mail = base64::engine::general_purpose::STANDARD
        .decode(raw)
        .unwrap_or_default();
    String::from_utf8_lossy(&mail)
        .lines()
        .find_map(|l| l.strip_prefix("To: "))
        .map(|to| {
            to.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .unwrap_or_default()
}

/// Sends `request` to `upstream` with `Connection: close` and reads the whole answer.
async fn forward(upstream: &str, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut conn = TcpStream::connect(upstream).await?;
    let line_end = request.windows(2).position(|w| w == b"\r\n").unwrap_or(0) + 2;
    let mut rewritten = request[..line_end].to_vec();
    rewritten.extend_from_slice(b"Connection: close\r\n");
    rewritten.extend_from_slice(&request[line_end..]);
    conn.write_all(&rewritten).await?;
    let mut answer = Vec::new();
    conn.read_to_end(&mut answer).await?;
    Ok(answer)
}

/// One HTTP message (head and a body of its Content-Length); `None` at end of stream.
async fn read_message(conn: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(Some(buf))
}
