//! The sign-in behind a decision: approving or denying someone's request needs an interactive
//! sign-in no older than the settings allow (`[approvals] fresh_sign_in_minutes`), with MFA when
//! required (`[approvals] require_mfa`), as proven by the id token's `auth_time` and `amr`.
//!
//! Only interactive sign-ins count: a refresh never makes a sign-in fresher, because the proof is
//! taken only from id tokens that came from an authorization code (or a device code).

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::jwt::TokenClaims;

/// How much the identity provider's clock may be ahead of or behind this machine's.
pub const CLOCK_SKEW_SECS: i64 = 120;

/// What a decision needs of the sign-in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FreshSignIn {
    /// The most time since the user last signed in interactively; zero: a new sign-in for every
    /// decision.
    pub max_age: Duration,
    /// Whether that sign-in must have used MFA.
    pub require_mfa: bool,
}

impl Default for FreshSignIn {
    fn default() -> Self {
        FreshSignIn {
            max_age: Duration::from_secs(
                u64::from(crate::config::DEFAULT_FRESH_SIGN_IN_MINUTES) * 60,
            ),
            require_mfa: true,
        }
    }
}

/// When and how the user last signed in interactively, from an id token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignInProof {
    /// `auth_time` (seconds since the epoch).
    pub auth_time: i64,
    /// Whether `amr` held `mfa`.
    pub mfa: bool,
}

impl SignInProof {
    /// From an id token's claims: `auth_time`, else (only for a sign-in Elevate just forced with
    /// `prompt=login`, see [`FreshSignIn::check_new`]) `iat`.
    pub fn of(claims: &TokenClaims, allow_iat: bool) -> Option<SignInProof> {
        let auth_time = claims
            .auth_time
            .or(if allow_iat { claims.iat } else { None })?;
        Some(SignInProof {
            auth_time,
            mfa: claims.used_mfa(),
        })
    }
}

impl FreshSignIn {
    /// The most seconds since the sign-in, as sent in `max_age`.
    pub fn max_age_secs(&self) -> u64 {
        self.max_age.as_secs()
    }

    /// Whether a sign-in made before may still be used for a decision `now`: never when every
    /// decision needs its own sign-in, else when it is recent enough (and not from the future)
    /// and used MFA if required.
    pub fn accepts(&self, proof: Option<&SignInProof>, now: DateTime<Utc>) -> bool {
        let Some(proof) = proof else {
            return false;
        };
        if self.max_age.is_zero() || (self.require_mfa && !proof.mfa) {
            return false;
        }
        let age = now.timestamp() - proof.auth_time;
        let max = i64::try_from(self.max_age.as_secs()).unwrap_or(i64::MAX);
        age >= -CLOCK_SKEW_SECS && age <= max
    }

    /// Checks the sign-in Elevate just made for a decision (started at `started`): it must have
    /// happened after the request (give or take the clock skew) and used MFA if required.
    pub fn check_new(&self, proof: &SignInProof, started: DateTime<Utc>) -> Result<(), String> {
        let behind = started.timestamp() - proof.auth_time;
        if behind > CLOCK_SKEW_SECS {
            return Err(format!(
                "the sign-in service did not ask for your credentials again (the sign-in it reported is {} minutes old)",
                behind / 60
            ));
        }
        if self.require_mfa && !proof.mfa {
            return Err(
                "the sign-in did not use multi-factor authentication, which decisions require ([approvals] require_mfa in config.toml)"
                    .into(),
            );
        }
        Ok(())
    }

    /// Why a new sign-in is needed, for the person in front of the screen.
    pub fn reason(&self) -> String {
        if self.max_age.is_zero() {
            "every approval or denial needs its own sign-in".into()
        } else {
            format!(
                "approving or denying needs a sign-in from the last {} minutes{}",
                self.max_age.as_secs().div_ceil(60),
                if self.require_mfa { ", with MFA" } else { "" }
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(minutes: u64, mfa: bool) -> FreshSignIn {
        FreshSignIn {
            max_age: Duration::from_secs(minutes * 60),
            require_mfa: mfa,
        }
    }

    #[test]
    fn a_recent_sign_in_with_mfa_is_accepted_an_old_one_is_not() {
        let now = Utc::now();
        let at = |minutes_ago: i64, mfa: bool| SignInProof {
            auth_time: now.timestamp() - minutes_ago * 60,
            mfa,
        };
        assert!(rule(10, true).accepts(Some(&at(9, true)), now));
        assert!(!rule(10, true).accepts(Some(&at(11, true)), now));
        assert!(!rule(10, true).accepts(Some(&at(1, false)), now), "no MFA");
        assert!(rule(10, false).accepts(Some(&at(1, false)), now));
        assert!(!rule(10, true).accepts(None, now), "no proof, no decision");
        assert!(
            !rule(0, false).accepts(Some(&at(0, true)), now),
            "0: every decision signs in"
        );
        assert!(
            !rule(10, true).accepts(Some(&at(-60, true)), now),
            "from the future"
        );
    }

    #[test]
    fn a_new_sign_in_must_postdate_the_request() {
        let started = Utc::now();
        let proof = |secs_before: i64, mfa: bool| SignInProof {
            auth_time: started.timestamp() - secs_before,
            mfa,
        };
        assert!(rule(0, true).check_new(&proof(5, true), started).is_ok());
        assert!(
            rule(0, true)
                .check_new(&proof(3600, true), started)
                .is_err()
        );
        assert!(rule(10, true).check_new(&proof(0, false), started).is_err());
        assert!(rule(10, false).check_new(&proof(0, false), started).is_ok());
    }

    #[test]
    fn the_proof_comes_from_auth_time_and_iat_only_when_allowed() {
        let claims = TokenClaims {
            iat: Some(100),
            amr: vec!["pwd".into(), "mfa".into()],
            ..TokenClaims::default()
        };
        assert_eq!(SignInProof::of(&claims, false), None);
        assert_eq!(
            SignInProof::of(&claims, true),
            Some(SignInProof {
                auth_time: 100,
                mfa: true
            })
        );
        let claims = TokenClaims {
            auth_time: Some(50),
            iat: Some(100),
            ..TokenClaims::default()
        };
        assert_eq!(
            SignInProof::of(&claims, false),
            Some(SignInProof {
                auth_time: 50,
                mfa: false
            })
        );
    }
}
