//! site-publish against real parts: moto's S3 and CloudFront (with a log of the requests,
//! `serial_moto.py --log`, so that the tests count them by kind), the real site and copies of
//! it, and the publisher binary under the Lambda runtime emulator (`cargo lambda watch`).
//! Needs `moto_server` and cargo-lambda (./test.sh installs both); fails, never skips,
//! without them.

mod infra;
mod lambda;
mod moto;
#[path = "../../../../form-handler/tests/it/process.rs"]
mod process;
mod publish;
mod site;
