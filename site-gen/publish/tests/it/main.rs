//! site-publish against real parts: moto's S3 and CloudFront (with a log of the requests,
//! `counting_moto.py`, so that the tests count them by kind), the real site and copies of
//! it, and the publisher binary under the Lambda runtime emulator (`cargo lambda watch`).
//! Needs `moto_server` and cargo-lambda (./test.sh installs both); fails, never skips,
//! without them.

mod infra;
mod lambda;
mod moto;
mod publish;
mod site;
