//! form-handler through its real router, with a real DynamoDB-compatible server (moto)
//! behind it: the HTTP contract, idempotency under concurrency, store faults, Lambda
//! events and the export. Needs moto 5.2.6 under `$MOTO_PYTHON` (else `python3`), which
//! ./test.sh installs in a virtualenv of its own; the tests fail, never skip, without it,
//! and show moto's own error.

mod api;
mod infra;
mod infra_notifier;
mod mail;
mod moto;
mod notifier_lambda;
mod notify_cli;
mod outbox;
mod process;
mod robust;
mod ses_proxy;

pub use moto::Moto;
