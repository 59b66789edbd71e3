//! The OAuth 2.0 exchanges with a provider's endpoints, each one request over the project's
//! HTTP client: device authorization and its polling (RFC 8628), the authorization URL and the
//! code exchange with PKCE (RFC 6749 section 4.1, RFC 7636), refresh, client credentials, the
//! JWT bearer grant (RFC 7523) and revocation (RFC 7009).
//!
//! Every answer is read as JSON within the client's size cap; an error answer becomes a
//! [`FlowError`] in the provider's words (`invalid_grant: …`). No request body, token, code or
//! secret ever appears in an error or a log line.

use super::{App, Grant};
use crate::http::Request;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use serde_json::Value;
use url::Url;

/// Why an exchange gave no grant.
#[derive(Debug, Clone, thiserror::Error)]
pub enum FlowError {
    /// The provider said no (`invalid_grant`, `access_denied`, `invalid_client`, …): asking
    /// again the same way will not help. Its own words.
    #[error("{0}")]
    Refused(String),
    /// The provider could not be asked or answered with an error of its own.
    #[error("{0}")]
    Unavailable(String),
}

impl From<FlowError> for crate::imapconn::TokenError {
    fn from(e: FlowError) -> Self {
        match e {
            FlowError::Refused(words) => crate::imapconn::TokenError::Refused { words },
            FlowError::Unavailable(why) => crate::imapconn::TokenError::Unavailable(why),
        }
    }
}

/// A started device authorization: what the customer is told, and what mailferry polls with.
#[derive(Debug, Clone)]
pub struct DeviceAuthorization {
    /// The code mailferry polls with (a secret: whoever has it gets the tokens).
    pub device_code: Secret,
    /// The code the customer types.
    pub user_code: String,
    /// Where they type it.
    pub verification_uri: String,
    /// When the codes run out.
    pub expires_at: DateTime<Utc>,
    /// Seconds between polls.
    pub interval: u64,
}

/// One poll of a device authorization.
#[derive(Debug)]
pub enum Poll {
    /// The customer has not answered yet.
    Pending,
    /// Asked too often: wait five seconds longer between polls.
    SlowDown,
    /// They agreed.
    Granted(Grant),
    /// They said no (the provider's words).
    Denied(String),
    /// The codes ran out unused.
    Expired,
}

/// A form POST to `url`, its JSON answer and status.
async fn post_form(app: &App, url: &str, form: &[(&str, &str)]) -> Result<(u16, Value), FlowError> {
    let url = Url::parse(url).map_err(|_| FlowError::Unavailable(format!("{url:?} is not a URL")))?;
    let body = zeroize::Zeroizing::new(
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter().copied())
            .finish(),
    );
    let req = Request {
        method: "POST",
        url: url.clone(),
        headers: &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
        ],
        body: body.as_bytes(),
        authorization: None,
    };
    let resp = app
        .http
        .send(req)
        .await
        .map_err(|e| FlowError::Unavailable(format!("{}: {e:#}", without_query(&url))))?;
    let json = serde_json::from_slice(&resp.body).unwrap_or(Value::Null);
    Ok((resp.status, json))
}

fn without_query(url: &Url) -> String {
    let mut u = url.clone();
    u.set_query(None);
    u.to_string()
}

/// `error: error_description` of an error answer.
fn words(status: u16, json: &Value) -> String {
    let error = json.get("error").and_then(Value::as_str).unwrap_or("");
    let description = json
        .get("error_description")
        .and_then(Value::as_str)
        .map(|d| d.lines().next().unwrap_or("").chars().take(300).collect::<String>())
        .unwrap_or_default();
    match (error.is_empty(), description.is_empty()) {
        (true, true) => format!("the provider answered {status}"),
        (false, true) => error.to_string(),
        (true, false) => description,
        (false, false) => format!("{error}: {description}"),
    }
}

/// An error answer as a [`FlowError`]: the grant or the client refused (4xx with an OAuth
/// error), or the provider's own trouble.
fn failed(status: u16, json: &Value) -> FlowError {
    let refusal = matches!(
        json.get("error").and_then(Value::as_str),
        Some(
            "invalid_grant"
                | "access_denied"
                | "invalid_client"
                | "unauthorized_client"
                | "invalid_scope"
                | "unsupported_grant_type"
                | "consent_required"
                | "interaction_required"
        )
    );
    if refusal && (400..500).contains(&status) {
        FlowError::Refused(words(status, json))
    } else {
        FlowError::Unavailable(words(status, json))
    }
}

fn seconds(json: &Value, key: &str) -> Option<i64> {
    match json.get(key)? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// The grant in a successful token answer (`expires_in` defaults to an hour).
fn grant_of(json: &Value, now: DateTime<Utc>, kind: GrantKind, old_refresh: Option<&str>) -> Result<Grant, FlowError> {
    let access_token = json
        .get("access_token")
        .and_then(Value::as_str)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| FlowError::Unavailable("the token endpoint answered without an access token".into()))?
        .to_string();
    let expires_at =
        now + chrono::Duration::seconds(seconds(json, "expires_in").unwrap_or(3600).clamp(1, 366 * 86_400));
    Ok(match kind {
        GrantKind::Consent => Grant::Consent {
            access_token,
            refresh_token: json
                .get("refresh_token")
                .and_then(Value::as_str)
                .map(str::to_string)
                .or_else(|| old_refresh.map(str::to_string)),
            expires_at,
        },
        GrantKind::App => Grant::App {
            access_token,
            expires_at,
        },
        GrantKind::Delegated => Grant::Delegated {
            access_token,
            expires_at,
        },
    })
}

#[derive(Clone, Copy)]
enum GrantKind {
    Consent,
    App,
    Delegated,
}

/// The client's id and, when configured, its secret, as form fields.
fn client<'a>(app: &'a App, form: &mut Vec<(&'a str, &'a str)>) {
    form.push(("client_id", &app.client_id));
    if let Some(secret) = &app.client_secret {
        form.push(("client_secret", secret.expose()));
    }
}

/// Starts a device authorization (Microsoft).
pub async fn device_start(app: &App, now: DateTime<Utc>) -> Result<DeviceAuthorization, FlowError> {
    let url = app
        .device_url
        .as_deref()
        .ok_or_else(|| FlowError::Refused(format!("the {} app has no device flow", app.name)))?;
    let form = [("client_id", app.client_id.as_str()), ("scope", app.scope.as_str())];
    let (status, json) = post_form(app, url, &form).await?;
    if status != 200 {
        return Err(failed(status, &json));
    }
    let text = |k: &str| json.get(k).and_then(Value::as_str).map(str::to_string);
    let device_code = text("device_code").filter(|c| !c.is_empty());
    let user_code = text("user_code").filter(|c| !c.is_empty());
    // RFC 8628 says verification_uri; Google's older answer says verification_url.
    let uri = text("verification_uri").or_else(|| text("verification_url"));
    let (Some(device_code), Some(user_code), Some(verification_uri)) = (device_code, user_code, uri) else {
        return Err(FlowError::Unavailable(
            "the device authorization answer lacks a code or an address".into(),
        ));
    };
    Ok(DeviceAuthorization {
        device_code: Secret::new(device_code),
        user_code,
        verification_uri,
        expires_at: now + chrono::Duration::seconds(seconds(&json, "expires_in").unwrap_or(900).clamp(1, 86_400)),
        interval: seconds(&json, "interval").unwrap_or(5).clamp(1, 60) as u64,
    })
}

/// Polls a device authorization once.
pub async fn device_poll(app: &App, device_code: &Secret, now: DateTime<Utc>) -> Result<Poll, FlowError> {
    let mut form = vec![
        ("grant_type", "urn:ietf:params:oauth:grant-type:device_code"),
        ("device_code", device_code.expose()),
    ];
    client(app, &mut form);
    let (status, json) = post_form(app, &app.token_url, &form).await?;
    if status == 200 {
        return grant_of(&json, now, GrantKind::Consent, None).map(Poll::Granted);
    }
    Ok(match json.get("error").and_then(Value::as_str) {
        Some("authorization_pending") => Poll::Pending,
        Some("slow_down") => Poll::SlowDown,
        Some("expired_token") => Poll::Expired,
        // Microsoft says "authorization_declined", RFC 8628 "access_denied".
        Some("access_denied" | "authorization_declined") => Poll::Denied(words(status, &json)),
        _ => return Err(failed(status, &json)),
    })
}

/// The consent page's address for a customer (authorization code with PKCE S256); `login_hint`
/// pre-fills their address.
pub fn authorize_url(
    app: &App,
    redirect_uri: &str,
    state: &str,
    challenge: &str,
    login_hint: &str,
) -> anyhow::Result<Url> {
    let mut url = Url::parse(&app.auth_url)?;
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", &app.client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("scope", &app.scope)
        .append_pair("state", state)
        .append_pair("code_challenge", challenge)
        .append_pair("code_challenge_method", "S256")
        .append_pair("login_hint", login_hint)
        // Google: a refresh token, and the consent screen even for an earlier consent (so a
        // refresh token comes again).
        .append_pair("access_type", "offline")
        .append_pair("prompt", "consent");
    Ok(url)
}

/// Exchanges an authorization code (with its PKCE verifier) for a grant.
pub async fn exchange_code(
    app: &App,
    code: &Secret,
    verifier: &Secret,
    redirect_uri: &str,
    now: DateTime<Utc>,
) -> Result<Grant, FlowError> {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code.expose()),
        ("code_verifier", verifier.expose()),
        ("redirect_uri", redirect_uri),
    ];
    client(app, &mut form);
    let (status, json) = post_form(app, &app.token_url, &form).await?;
    if status != 200 {
        return Err(failed(status, &json));
    }
    grant_of(&json, now, GrantKind::Consent, None)
}

/// A new access token from a consent's refresh token (the refresh token kept when the answer
/// brings no new one).
pub async fn refresh(app: &App, refresh_token: &str, now: DateTime<Utc>) -> Result<Grant, FlowError> {
    let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh_token)];
    if app.kind == super::Kind::Microsoft {
        form.push(("scope", &app.scope));
    }
    client(app, &mut form);
    let (status, json) = post_form(app, &app.token_url, &form).await?;
    if status != 200 {
        return Err(failed(status, &json));
    }
    grant_of(&json, now, GrantKind::Consent, Some(refresh_token))
}

/// An application grant (client credentials, Microsoft's `IMAP.AccessAsApp`).
pub async fn client_credentials(app: &App, now: DateTime<Utc>) -> Result<Grant, FlowError> {
    if app.client_secret.is_none() {
        return Err(FlowError::Refused(format!(
            "the {} app has no client secret (oauth.{}.client_secret_file), which an application grant needs",
            app.name, app.name
        )));
    }
    let mut form = vec![("grant_type", "client_credentials"), ("scope", app.app_scope.as_str())];
    client(app, &mut form);
    let (status, json) = post_form(app, &app.token_url, &form).await?;
    if status != 200 {
        return Err(failed(status, &json));
    }
    grant_of(&json, now, GrantKind::App, None)
}

/// A grant for `mailbox` through Google's domain-wide delegation (a signed assertion).
pub async fn delegated(app: &App, mailbox: &str, now: DateTime<Utc>) -> Result<Grant, FlowError> {
    let account = app.service_account.as_ref().ok_or_else(|| {
        FlowError::Refused(format!(
            "the {} app has no service account (oauth.{}.service_account_file)",
            app.name, app.name
        ))
    })?;
    let assertion = account
        .assertion(mailbox, &app.app_scope, now)
        .map_err(|e| FlowError::Refused(format!("{e:#}")))?;
    let form = [
        ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"),
        ("assertion", assertion.expose()),
    ];
    let url = account.token_uri.clone();
    let (status, json) = post_form(app, &url, &form).await?;
    if status != 200 {
        return Err(failed(status, &json));
    }
    grant_of(&json, now, GrantKind::Delegated, None)
}

/// Revokes a token at the provider (its refresh token revokes the whole consent); Ok(false)
/// when the provider has no revocation endpoint.
pub async fn revoke(app: &App, token: &str) -> Result<bool, FlowError> {
    let Some(url) = app.revoke_url.clone() else {
        return Ok(false);
    };
    let mut form = vec![("token", token)];
    client(app, &mut form);
    let (status, json) = post_form(app, &url, &form).await?;
    // RFC 7009: an unknown or already revoked token is answered 200 as well.
    if status == 200 {
        Ok(true)
    } else {
        Err(failed(status, &json))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000, 0).unwrap()
    }

    #[test]
    fn token_answers_become_grants() {
        let json = serde_json::json!({"access_token": "a", "expires_in": "120", "refresh_token": "r"});
        let g = grant_of(&json, now(), GrantKind::Consent, None).unwrap();
        assert_eq!(g.expires_at(), now() + chrono::Duration::seconds(120));
        assert!(matches!(&g, Grant::Consent { refresh_token: Some(r), .. } if r == "r"));
        let renewed = grant_of(
            &serde_json::json!({"access_token": "b"}),
            now(),
            GrantKind::Consent,
            Some("r"),
        )
        .unwrap();
        assert!(
            matches!(&renewed, Grant::Consent { refresh_token: Some(r), .. } if r == "r"),
            "the old refresh token stays"
        );
        assert_eq!(renewed.expires_at(), now() + chrono::Duration::seconds(3600));
        assert!(grant_of(
            &serde_json::json!({"token_type": "Bearer"}),
            now(),
            GrantKind::App,
            None
        )
        .is_err());
    }

    #[test]
    fn error_answers_say_the_providers_words_and_whether_to_try_again() {
        let revoked =
            serde_json::json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."});
        match failed(400, &revoked) {
            FlowError::Refused(w) => assert_eq!(w, "invalid_grant: Token has been expired or revoked."),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            failed(503, &serde_json::json!({"error": "temporarily_unavailable"})),
            FlowError::Unavailable(_)
        ));
        assert!(matches!(failed(500, &Value::Null), FlowError::Unavailable(w) if w.contains("500")));
    }
}
