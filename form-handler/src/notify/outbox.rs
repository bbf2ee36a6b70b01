//! The table as the outbox: whatever is stored gets its mails, however long a fault
//! lasts. Both paths end in [`deliver_claimed`]: the stream (the fast path, seconds after
//! an application is stored) and the [`sweep`] (every 15 minutes on a schedule, and
//! `form-handler notify --sweep`), which sends every application still flagged pending.
//!
//! A sender first takes a lease on the application (a conditional write); a second sender
//! finds it held and skips it, and an expired lease is taken over. Every mail done (sent,
//! refused for good, or marked before), the flag and the lease go; a mail not sent for a
//! proven reason gives the lease back at once; a send whose outcome is unknown is counted
//! and keeps the lease until it expires, so that only the next sweep sends that mail again.
//! A sender that stops between a send and its mark (a crash, the Lambda's timeout) leaves
//! its lease unsettled: the sender that takes it over counts each mail without a mark as an
//! unknown outcome before sending it, so every mail that can go twice is counted.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use jiff::Timestamp;

use super::{Delivery, Mark, Marks, Outbox, deliver_unmarked};
use crate::application::NewApplication;
use crate::forms::Forms;
use crate::mail::{MailKind, mails_for};
use crate::store::StoreError;

/// How long a lease holds: longer than one application's two sends and their marks can
/// take ([`super::stream::RECORD_BUDGET`]), shorter than the sweep's period.
pub const LEASE: Duration = Duration::from_secs(5 * 60);
const _: () = assert!(LEASE.as_secs() > 2 * super::stream::RECORD_BUDGET.as_secs());

/// The scheduled sweep leaves applications younger than this to the stream.
pub const SCHEDULED_MIN_AGE: Duration = Duration::from_secs(5 * 60);

/// A sender's lease: its owner (unique to the process and run) and its length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    owner: String,
    length: Duration,
}

impl Lease {
    /// A lease for a new sender, named `who` (`notifier`, `sweep`) with a random suffix.
    pub fn new(who: &str, length: Duration) -> Lease {
        let mut bytes = [0u8; 8];
        // Without randomness two senders could share a name; the time still tells them apart.
        if getrandom::fill(&mut bytes).is_err() {
            bytes = Timestamp::now().as_nanosecond().to_le_bytes()[..8]
                .try_into()
                .unwrap_or_default();
        }
        let suffix: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Lease {
            owner: format!("{who}-{suffix}"),
            length,
        }
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    pub fn length(&self) -> Duration {
        self.length
    }
}

/// An application whose mails are not all done.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    pub reference: String,
    pub received_at: Timestamp,
}

/// What taking the lease gave.
#[derive(Debug)]
pub enum Claim {
    /// The lease is ours: the application and its marks as they are now.
    Claimed {
        app: Box<NewApplication>,
        marks: BTreeMap<MailKind, Mark>,
        /// The lease taken over was never settled: its sender stopped, perhaps after a
        /// send and before its mark.
        unsettled: bool,
    },
    /// Not ours to do: every mail done, the application gone, or another sender's lease.
    Skipped,
    /// The item cannot be read as an application: it stays pending (and alarms).
    Malformed,
}

/// The outbox's records: the pending flag, the leases and the count of unknown outcomes,
/// beside the marks.
pub trait Ledger: Marks {
    /// Every application still pending, oldest first.
    fn pending(&self) -> impl Future<Output = Result<Vec<Pending>, StoreError>> + Send;

    /// Takes the lease on `reference` unless it is done or another sender holds it.
    fn claim(
        &self,
        reference: &str,
        lease: &Lease,
    ) -> impl Future<Output = Result<Claim, StoreError>> + Send;

    /// Removes the pending flag and the lease, if every mail of `kinds` has its mark.
    fn finish(
        &self,
        reference: &str,
        lease: &Lease,
        kinds: &[MailKind],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Gives the lease back (a retry may start at once).
    fn release(
        &self,
        reference: &str,
        lease: &Lease,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds `n` unknown outcomes to the application's count; the lease stays ours.
    fn count_unknown(
        &self,
        reference: &str,
        lease: &Lease,
        n: usize,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Adds `n` unknown outcomes and leaves the lease to expire, marked as counted (so the
    /// sender that takes it over counts nothing again).
    fn settle_unknown(
        &self,
        reference: &str,
        lease: &Lease,
        n: usize,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// What the notifier needs: the forms, the site's address, where mails go, where the
/// outbox's records are kept, and its lease.
pub struct Notifier<O, L> {
    pub forms: Forms,
    pub site_url: String,
    pub outbox: O,
    pub ledger: L,
    pub lease: Lease,
}

/// What became of one application.
#[derive(Debug)]
pub enum Handled {
    /// Its mails were tried; see each one's outcome.
    Delivered(Delivery),
    /// Not ours to do (done, gone, or held by another sender).
    Skipped,
    /// Its item is not an application the notifier can read; it stays pending.
    Malformed,
    /// The lease, the item or its mails' text could not be had; it stays pending.
    NotTried(String),
}

impl Handled {
    /// Whether nothing of the application is left to do (by this sender or any other).
    pub fn done(&self) -> bool {
        match self {
            Handled::Delivered(d) => d.complete(),
            Handled::Skipped => true,
            Handled::Malformed | Handled::NotTried(_) => false,
        }
    }

    /// Whether the stream should give the record again soon.
    pub fn needs_retry(&self) -> bool {
        match self {
            Handled::Delivered(d) => d.needs_retry(),
            Handled::Skipped => false,
            Handled::Malformed | Handled::NotTried(_) => true,
        }
    }
}

/// Takes the lease on `reference`, sends its mails that are not marked, and settles the
/// lease: flag and lease removed when all are done, the lease given back when a mail was
/// not sent for a proven reason, kept (and the unknown outcomes counted) otherwise.
pub async fn deliver_claimed<O: Outbox, L: Ledger>(
    notifier: &Notifier<O, L>,
    reference: &str,
) -> Handled {
    let (app, marks, unsettled) = match notifier.ledger.claim(reference, &notifier.lease).await {
        Ok(Claim::Claimed {
            app,
            marks,
            unsettled,
        }) => (app, marks, unsettled),
        Ok(Claim::Skipped) => return Handled::Skipped,
        Ok(Claim::Malformed) => {
            tracing::error!(
                reference,
                "the application's item cannot be read: its mails wait"
            );
            return Handled::Malformed;
        }
        Err(e) => return Handled::NotTried(e.to_string()),
    };
    let mails = match mails_for(&notifier.forms, &app, &notifier.site_url) {
        Ok(mails) => mails,
        Err(e) => {
            tracing::error!(reference, error = %e, "the application's mails cannot be composed");
            let _ = notifier.ledger.release(reference, &notifier.lease).await;
            return Handled::NotTried(e.to_string());
        }
    };
    let inherited: Vec<MailKind> = match unsettled {
        true => mails
            .iter()
            .map(|m| m.kind)
            .filter(|k| !marks.contains_key(k))
            .collect(),
        false => Vec::new(),
    };
    if !inherited.is_empty() {
        let counted = notifier
            .ledger
            .count_unknown(reference, &notifier.lease, inherited.len())
            .await;
        if let Err(e) = counted {
            // Not sending uncounted: the lease expires and the next sweep tries again.
            tracing::warn!(reference, error = %e, "an unsettled lease's mails were not counted");
            return Handled::NotTried(e.to_string());
        }
    }
    let mut delivery =
        deliver_unmarked(reference, &mails, marks, &notifier.outbox, &notifier.ledger).await;
    delivery.inherited = inherited;
    super::log(&delivery);
    let settled = if delivery.complete() {
        let kinds: Vec<MailKind> = mails.iter().map(|m| m.kind).collect();
        notifier
            .ledger
            .finish(reference, &notifier.lease, &kinds)
            .await
    } else if delivery.unknown() > 0 {
        notifier
            .ledger
            .settle_unknown(reference, &notifier.lease, delivery.unknown())
            .await
    } else {
        notifier.ledger.release(reference, &notifier.lease).await
    };
    if let Err(e) = settled {
        // The flag stays (the next sweep finishes it) or the lease expires by itself.
        tracing::warn!(reference, error = %e, "the lease was not settled");
    }
    Handled::Delivered(delivery)
}

/// What a sweep did, and what still waits.
#[derive(Debug, Default)]
pub struct SweepReport {
    /// The applications it took up, and what became of each.
    pub handled: Vec<(String, Handled)>,
    /// Pending applications younger than the sweep's minimum age (the stream's).
    pub young: usize,
    /// Applications at least the minimum age still pending after the sweep.
    pub waiting: usize,
    /// How long the oldest of them has waited since it was stored.
    pub oldest_waiting: Option<Duration>,
}

/// Sends the mails of every pending application stored at least `min_age` ago, oldest
/// first, until `until` is near; what is left waits for the next sweep.
pub async fn sweep<O: Outbox, L: Ledger>(
    notifier: &Notifier<O, L>,
    min_age: Duration,
    until: Option<Instant>,
) -> Result<SweepReport, StoreError> {
    let now = Timestamp::now();
    let cutoff = now - min_age;
    let mut report = SweepReport::default();
    let mut waiting_since = Vec::new();
    for pending in notifier.ledger.pending().await? {
        if pending.received_at > cutoff {
            report.young += 1;
            continue;
        }
        let out_of_time = until.is_some_and(|u| Instant::now() + super::stream::RECORD_BUDGET > u);
        let handled = if out_of_time {
            Handled::NotTried("the invocation's time is up".into())
        } else {
            deliver_claimed(notifier, &pending.reference).await
        };
        if !handled.done() {
            waiting_since.push(pending.received_at);
        }
        report.handled.push((pending.reference, handled));
    }
    report.waiting = waiting_since.len();
    report.oldest_waiting = waiting_since
        .iter()
        .min()
        .map(|t| now.duration_since(*t).unsigned_abs());
    Ok(report)
}
