//! The HTTP API Lambda: the form handler's router under the Lambda runtime, storing in
//! DynamoDB (`APPLICATIONS_TABLE`; the SDK's standard configuration does the rest), built
//! once at start. See `form_handler::http` for the contract.

use std::process::ExitCode;
use std::sync::Arc;

use form_handler::env;
use form_handler::forms::Forms;
use form_handler::http::{AppState, Clock, RateLimiter, router};
use form_handler::store::Store;
use form_handler::store::dynamo::{Client, DynamoStore, sdk_config};

fn main() -> ExitCode {
    form_handler::process::run_main(async { run().await.map(|()| ExitCode::SUCCESS) })
}

async fn run() -> anyhow::Result<()> {
    form_handler::logging::init()?;
    let table = std::env::var(env::APPLICATIONS_TABLE).map_err(|_| env::EnvError::Missing {
        name: env::APPLICATIONS_TABLE,
        what: "",
    })?;
    let state = AppState::new(
        Forms::embedded()?,
        Store::Dynamo(DynamoStore::new(Client::new(&sdk_config().await), table)),
        Clock::Real,
        RateLimiter::from_env()?,
        std::env::var(env::SITE_ORIGIN).ok(),
    )
    .with_origin_secret(std::env::var(env::ORIGIN_SECRET).ok());
    lambda_http::run(router(Arc::new(state)))
        .await
        .map_err(|e| anyhow::anyhow!(e))
}
