//! The live preview server (placeholder while it is written).
use std::net::SocketAddr;
use std::path::Path;

use crate::{BuildError, BuildOptions};

pub fn run(_root: &Path, _options: BuildOptions, _addr: SocketAddr) -> Result<(), BuildError> {
    Err(BuildError::Usage("serve is not built yet".into()))
}
