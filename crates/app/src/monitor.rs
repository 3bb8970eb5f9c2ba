//! Deadlines and notifications. The deadline monitor raises an alert when a referral
//! step is near its deadline (to the receiving desk and the centre's managers) and when
//! it is past it (also to the referring office's supervisors); each alert once, however
//! many servers run the monitor, because the mark that decides it is a primary key.
//! Every alert puts a notification in the outbox; a [`Sender`] delivers them — a log line
//! by default — saying only that there is something to look at in Sila, never what.

use jiff::{SignedDuration, Timestamp};
use sila_domain::agency::Role;
use sila_domain::audit::SubjectKind;
use sila_domain::ids::{ReferralId, UserId};
use sila_store::{Alert, PendingStep, Tx};

use crate::{App, AppError, RequestContext, new_uuid};

/// What every notification says, in both languages: that there is something in the
/// inbox, nothing about a case or a person.
pub const NOTIFICATION_AR: &str = "لديك تنبيه جديد في صلة. سجّل الدخول للاطلاع عليه.";
/// The English text.
pub const NOTIFICATION_EN: &str = "You have a new alert in Sila. Sign in to see it.";

/// Delivers notifications (e-mail, SMS, a log line).
pub trait Sender: Send + Sync {
    /// The channel, for the log.
    fn channel(&self) -> &'static str;
    /// Sends the notification to a user; the error is kept and the send retried later.
    fn send(&self, user: UserId, text: &str) -> Result<(), String>;

    /// Sends a text message to a phone of someone who is not a user (a parent's
    /// check-in code). The text never says what it is about.
    fn send_text(&self, phone: &str, text: &str) -> Result<(), String>;
}

/// The default sender: a log line naming the user's id and the channel, nothing else.
#[derive(Debug, Default, Clone, Copy)]
pub struct LogSender;

impl Sender for LogSender {
    fn channel(&self) -> &'static str {
        "log"
    }

    fn send(&self, user: UserId, _text: &str) -> Result<(), String> {
        tracing::info!(user = %user, "notification: a new alert is waiting in the inbox");
        Ok(())
    }

    fn send_text(&self, _phone: &str, _text: &str) -> Result<(), String> {
        // Neither the number nor the text: a log is no place for either.
        tracing::info!("a text message was handed to the log sender");
        Ok(())
    }
}

/// How long a claim on a notification holds before another sender may take it over.
const CLAIM_TIMEOUT: SignedDuration = SignedDuration::from_mins(5);

/// The alert of a step: near its deadline, or past it.
fn due_kind(step: &PendingStep, now: Timestamp) -> Option<&'static str> {
    if step.due_at <= now {
        return Some("deadline.overdue");
    }
    // Near: the last fifth of the step's time, and at least the last quarter hour.
    let window = step.due_at.duration_since(step.created_at);
    let near = (window / 5).max(SignedDuration::from_mins(15));
    (step.due_at.duration_since(now) <= near).then_some("deadline.due_soon")
}

impl App {
    /// One pass of the deadline monitor at the current time: raises the alerts not yet
    /// raised; returns how many alerts it put in inboxes.
    pub async fn monitor_deadlines(&self) -> Result<usize, AppError> {
        let now = self.now();
        let candidates: Vec<(PendingStep, &'static str)> = {
            let mut tx = self.store.read().await?;
            tx.pending_steps(now + SignedDuration::from_hours(72))
                .await?
                .into_iter()
                .filter_map(|step| due_kind(&step, now).map(|kind| (step, kind)))
                .collect()
        };
        if candidates.is_empty() {
            return Ok(0);
        }
        let (mut tx, mut audit) = self.begin(None, "deadline.alert").await?;
        let result = async {
            let mut raised = 0;
            for (step, kind) in &candidates {
                if !tx.mark_alert(step.referral_id, step.step, kind, now).await? {
                    continue;
                }
                let mut recipients = tx.users_with_role_at(Role::DeskCoordinator, step.to.1).await?;
                recipients.extend(tx.users_with_role(step.to.0, Role::CentreManager).await?);
                if *kind == "deadline.overdue" {
                    recipients.extend(tx.users_with_role_at(Role::PoliceSupervisor, step.from.1).await?);
                }
                recipients.sort();
                recipients.dedup();
                for user in recipients {
                    raise(&mut tx, user, kind, step.referral_id, now).await?;
                    raised += 1;
                }
                audit.subject(SubjectKind::Referral, step.referral_id);
                audit.detail(&format!("{}:{}", step.referral_id, step.step.code()), kind);
            }
            Ok(raised)
        }
        .await;
        match result {
            Ok(0) => Ok(0),
            other => self.finish(tx, audit, &RequestContext::default(), other).await,
        }
    }

    /// Delivers pending notifications with `sender`; returns how many were sent. Safe to
    /// run on several servers at once: each notification is claimed before it is sent.
    pub async fn deliver_notifications(&self, sender: &dyn Sender, worker: &str) -> Result<usize, AppError> {
        let now = self.now();
        let stale = now - CLAIM_TIMEOUT;
        let pending = self.store.read().await?.outbox_pending(stale, 100).await?;
        let mut sent = 0;
        for item in pending {
            let claimed = {
                let mut tx = self.store.write().await?;
                let claimed = tx.claim_outbox(item.id, worker, now, stale).await?;
                tx.commit().await?;
                claimed
            };
            if !claimed {
                continue;
            }
            let text = match self.store.read().await?.user(item.user_id).await? {
                Some(user) if user.language == "en" => NOTIFICATION_EN,
                _ => NOTIFICATION_AR,
            };
            let outcome = sender.send(item.user_id, text);
            let mut tx = self.store.write().await?;
            match &outcome {
                Ok(()) => tx.finish_outbox(item.id, Some(now), None).await?,
                Err(error) => {
                    tracing::warn!(channel = sender.channel(), error = %error, "a notification could not be sent");
                    tx.finish_outbox(item.id, None, Some(error)).await?;
                }
            }
            tx.commit().await?;
            if outcome.is_ok() {
                sent += 1;
            }
        }
        Ok(sent)
    }
}

/// Puts an alert about a referral in a user's inbox (and its notification in the outbox).
pub(crate) async fn raise(
    tx: &mut Tx,
    user: UserId,
    kind: &str,
    referral: ReferralId,
    now: Timestamp,
) -> Result<(), AppError> {
    tx.insert_alert(&Alert {
        id: new_uuid(),
        user_id: user,
        kind: kind.into(),
        subject_kind: Some("referral".into()),
        subject_id: Some(referral.to_string()),
        created_at: now,
        read_at: None,
    })
    .await?;
    Ok(())
}
