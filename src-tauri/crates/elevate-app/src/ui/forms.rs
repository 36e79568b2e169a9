//! What the window sends, and how each form becomes what the engine takes: the activation form a
//! wish, the favourite form a favourite, the set form a set, the settings form a settings change.
//! Text is trimmed and empty text means "not given"; what cannot be taken is refused with a sentence.

use chrono::{DateTime, Utc};
use elevate_core::config::Cloud;
use elevate_core::model::{RoleKey, Span, Ticket};
use elevate_core::session::ActivationWish;
use elevate_core::settings_file::SettingsChange;
use elevate_core::store::{Favourite, RoleSet};
use serde::Deserialize;
use specta::Type;

use super::error::{Answer, invalid};

/// The activation form.
#[derive(Clone, Debug, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct ActivationForm {
    /// Role key.
    pub key: String,
    /// Duration in minutes.
    pub minutes: Option<i32>,
    /// Why.
    pub justification: Option<String>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
    /// Start later (ISO 8601).
    pub start: Option<String>,
    /// Activate at a scope below the eligible one (Azure resource roles; a full scope id).
    pub narrower_scope: Option<String>,
}

/// A favourite to save (or remove, with `favourite: false`).
#[derive(Clone, Debug, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FavouriteForm {
    /// Role key.
    pub key: String,
    /// Make it a favourite (true) or not (false).
    pub favourite: bool,
    /// The justification to send.
    pub justification: Option<String>,
    /// Duration in minutes.
    pub minutes: Option<i32>,
    /// Ticket system.
    pub ticket_system: Option<String>,
    /// Ticket number.
    pub ticket_number: Option<String>,
}

/// A set to save.
#[derive(Clone, Debug, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SetForm {
    /// Its name (a set with that name is replaced).
    pub name: String,
    /// Role keys.
    pub keys: Vec<String>,
    /// Justification for each.
    pub justification: Option<String>,
    /// Duration in minutes.
    pub minutes: Option<i32>,
}

/// The settings page's form.
#[derive(Clone, Debug, Default, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SettingsForm {
    /// `public`, `us-gov`, `china` or `custom` (checked here: the page's choice is text).
    pub cloud: String,
    /// Default duration in minutes.
    pub default_minutes: i32,
    /// Warnings before a grant ends, in minutes.
    pub warn_before_minutes: Vec<u32>,
    /// Justifications offered in the request form.
    pub justification_presets: Vec<String>,
}

/// What the favourite form asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FavouriteChange {
    /// Save this favourite (replacing one for the same role).
    Save(Favourite),
    /// Stop this role being a favourite.
    Remove(RoleKey),
}

/// Trimmed text, none when empty.
fn given(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A ticket when a number is given (the system may be empty).
fn ticket(system: Option<String>, number: Option<String>) -> Option<Ticket> {
    given(number).map(|number| Ticket {
        system: system.unwrap_or_default().trim().to_owned(),
        number,
    })
}

/// A duration from minutes the user may leave empty: none, or anything outside
/// [`Span::of_minutes`]'s range (zero, negative, over 30 days), means "not given" (the default,
/// then the policy's maximum, apply).
fn optional_minutes(minutes: Option<i32>) -> Option<Span> {
    minutes.and_then(|m| Span::of_minutes(i64::from(m)))
}

/// A duration the user chose for keeps: [`Span::of_minutes`], else refused with its range.
fn bounded_minutes(minutes: i32) -> Answer<Span> {
    Span::of_minutes(i64::from(minutes)).ok_or_else(|| invalid(Span::MINUTES_RANGE))
}

impl ActivationForm {
    /// The role the form is about.
    pub fn role_key(&self) -> RoleKey {
        RoleKey::from_raw(self.key.clone())
    }

    /// The form's answers as the engine takes them.
    pub fn wish(self) -> Answer<ActivationWish> {
        let start = match self
            .start
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(text) => Some(
                DateTime::parse_from_rfc3339(text)
                    .map_err(|_| invalid("the start time is not a date and time"))?
                    .to_utc(),
            ),
            None => None,
        };
        Ok(ActivationWish {
            duration: optional_minutes(self.minutes),
            justification: given(self.justification),
            ticket: ticket(self.ticket_system, self.ticket_number),
            start,
            narrower_scope: given(self.narrower_scope),
        })
    }
}

impl FavouriteForm {
    /// What the form asks for, a favourite saved at `now` or a removal.
    pub fn change(self, now: DateTime<Utc>) -> FavouriteChange {
        let key = RoleKey::from_raw(self.key);
        if !self.favourite {
            return FavouriteChange::Remove(key);
        }
        FavouriteChange::Save(Favourite {
            key,
            label: None,
            // Kept as typed: it is sent as the user wrote it.
            justification: self.justification.filter(|j| !j.trim().is_empty()),
            ticket: ticket(self.ticket_system, self.ticket_number),
            duration: optional_minutes(self.minutes),
            created: now,
        })
    }
}

impl SetForm {
    /// The set to save: it needs a name and at least one role.
    pub fn role_set(self) -> Answer<RoleSet> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(invalid("give the set a name"));
        }
        if self.keys.is_empty() {
            return Err(invalid("choose at least one role for the set"));
        }
        Ok(RoleSet {
            name: name.to_owned(),
            keys: self.keys.into_iter().map(RoleKey::from_raw).collect(),
            justification: given(self.justification),
            duration: self.minutes.map(bounded_minutes).transpose()?,
        })
    }
}

impl SettingsForm {
    /// The change to make in the settings file.
    pub fn change(self) -> Answer<SettingsChange> {
        let cloud = Cloud::from_name(&self.cloud)
            .ok_or_else(|| invalid(format!("'{}' is not a cloud Elevate knows", self.cloud)))?;
        Ok(SettingsChange {
            cloud: Some(cloud),
            default_duration: Some(bounded_minutes(self.default_minutes)?),
            warn_before_minutes: Some(self.warn_before_minutes),
            justification_presets: Some(self.justification_presets),
            ..SettingsChange::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_activation_form_becomes_a_trimmed_wish() {
        let form = ActivationForm {
            key: "azure-resource|/subscriptions/1|reader".into(),
            minutes: Some(90),
            justification: Some("  deploy hotfix ".into()),
            ticket_system: Some(" Jira ".into()),
            ticket_number: Some(" OPS-7 ".into()),
            start: Some("2030-01-02T03:04:05+01:00".into()),
            narrower_scope: Some("   ".into()),
        };
        assert_eq!(form.role_key().to_string(), form.key);
        let wish = form.wish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wish.duration, Some(Span::from_minutes(90)));
        assert_eq!(wish.justification.as_deref(), Some("deploy hotfix"));
        assert_eq!(
            wish.ticket,
            Some(Ticket {
                system: "Jira".into(),
                number: "OPS-7".into()
            })
        );
        assert_eq!(
            wish.start.map(|s| s.to_rfc3339()),
            Some("2030-01-02T02:04:05+00:00".into())
        );
        assert_eq!(wish.narrower_scope, None);
    }

    #[test]
    fn an_empty_activation_form_asks_for_nothing() {
        let form = ActivationForm {
            key: "k".into(),
            minutes: Some(0),
            ticket_system: Some("Jira".into()),
            ticket_number: Some(" ".into()),
            start: Some(" ".into()),
            ..ActivationForm::default()
        };
        let wish = form.wish().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(wish.duration, None);
        assert_eq!(wish.ticket, None);
        assert_eq!(wish.start, None);
        let negative = ActivationForm {
            minutes: Some(-5),
            ..ActivationForm::default()
        };
        assert_eq!(negative.wish().map(|w| w.duration), Ok(None));
    }

    #[test]
    fn a_start_that_is_no_date_is_refused() {
        let form = ActivationForm {
            start: Some("tomorrow".into()),
            ..ActivationForm::default()
        };
        let error = form.wish().err().unwrap_or_else(|| panic!("accepted"));
        assert_eq!(error.code, "invalid");
        assert!(error.message.contains("start time"), "{error}");
    }

    #[test]
    fn the_favourite_form_saves_or_removes() {
        let now = Utc::now();
        let form = FavouriteForm {
            key: "k".into(),
            favourite: true,
            justification: Some(" on call ".into()),
            minutes: Some(30),
            ticket_system: None,
            ticket_number: Some("42".into()),
        };
        let FavouriteChange::Save(saved) = form.change(now) else {
            panic!("not saved")
        };
        assert_eq!(saved.key, RoleKey::from_raw("k"));
        assert_eq!(saved.justification.as_deref(), Some(" on call "));
        assert_eq!(saved.duration, Some(Span::from_minutes(30)));
        assert_eq!(
            saved.ticket,
            Some(Ticket {
                system: String::new(),
                number: "42".into()
            })
        );
        assert_eq!(saved.created, now);
        let blank = FavouriteForm {
            key: "k".into(),
            favourite: true,
            justification: Some("  ".into()),
            ..FavouriteForm::default()
        };
        let FavouriteChange::Save(blank) = blank.change(now) else {
            panic!("not saved")
        };
        assert_eq!((blank.justification, blank.duration), (None, None));
        let off = FavouriteForm {
            key: "k".into(),
            ..FavouriteForm::default()
        };
        assert_eq!(
            off.change(now),
            FavouriteChange::Remove(RoleKey::from_raw("k"))
        );
    }

    #[test]
    fn a_set_needs_a_name_roles_and_a_sane_duration() {
        let set = SetForm {
            name: " Morning ".into(),
            keys: vec!["a".into(), "b".into()],
            justification: Some(" ".into()),
            minutes: Some(120),
        }
        .role_set()
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.name, "Morning");
        assert_eq!(set.keys.len(), 2);
        assert_eq!(set.justification, None);
        assert_eq!(set.duration, Some(Span::from_minutes(120)));

        let unnamed = SetForm {
            name: "  ".into(),
            keys: vec!["a".into()],
            ..SetForm::default()
        };
        assert!(
            unnamed
                .role_set()
                .is_err_and(|e| e.message.contains("name"))
        );
        let empty = SetForm {
            name: "x".into(),
            ..SetForm::default()
        };
        assert!(
            empty
                .role_set()
                .is_err_and(|e| e.message.contains("at least one role"))
        );
        let too_long = SetForm {
            name: "x".into(),
            keys: vec!["a".into()],
            minutes: Some(43_201),
            ..SetForm::default()
        };
        assert!(
            too_long
                .role_set()
                .is_err_and(|e| e.message.contains("30 days"))
        );
    }

    #[test]
    fn the_settings_form_names_a_known_cloud_and_a_sane_duration() {
        let form = SettingsForm {
            cloud: "us-gov".into(),
            default_minutes: 45,
            warn_before_minutes: vec![15, 5],
            justification_presets: vec!["on call".into()],
        };
        let change = form.change().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(change.cloud, Some(Cloud::UsGov));
        assert_eq!(change.default_duration, Some(Span::from_minutes(45)));
        assert_eq!(change.warn_before_minutes, Some(vec![15, 5]));
        assert_eq!(change.update_checks, None);

        let mars = SettingsForm {
            cloud: "mars".into(),
            default_minutes: 45,
            ..SettingsForm::default()
        };
        assert!(mars.change().is_err_and(|e| e.message.contains("'mars'")));
        let zero = SettingsForm {
            cloud: "public".into(),
            default_minutes: 0,
            ..SettingsForm::default()
        };
        assert!(zero.change().is_err_and(|e| e.code == "invalid"));
    }
}
