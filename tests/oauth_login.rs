//! OAuth 2.0 logins through the one IMAP door, for real: the test bed's OAuth Dovecot
//! (`scripts/testbed`, IMAP 30143) checks every XOAUTH2/OAUTHBEARER token against the RFC 7662
//! introspection endpoint of the token server in this test (127.0.0.1:30180, the address the
//! bed's `oauth2.conf.ext` names), so a login is a real SASL login. The token server also
//! answers refresh requests at `/token`, so the door's renewal and [`GrantTokens`] are tested
//! against a real exchange. Nothing reaches Google or Microsoft.

mod support;

use mailferry::clock::SystemClock;
use mailferry::config::Config;
use mailferry::imapconn::{BearerMechanism, FixedToken, LoginRefused, Tokens};
use mailferry::oauth::{App, Grant, GrantTokens};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::Instant;
use support::*;

/// The bed's OAuth Dovecot, plain IMAP on loopback.
const OAUTH_IMAP: u16 = 30143;
/// Where the bed's Dovecot asks for introspection.
const TOKEN_PORT: u16 = 30180;

/// The test suite's token server: access tokens (user, end of life), refresh tokens (user),
/// and how often each endpoint was asked.
#[derive(Default)]
struct Issued {
    access: HashMap<String, (String, Instant)>,
    refresh: HashMap<String, String>,
    refreshes: usize,
    introspections: usize,
}

type State = Arc<Mutex<Issued>>;

/// The one token server of this test binary, on the port the bed names, in a thread of its
/// own (it outlives each test's runtime).
fn token_server() -> State {
    static SERVER: OnceLock<State> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let listener = std::net::TcpListener::bind(("127.0.0.1", TOKEN_PORT))
                .unwrap_or_else(|e| panic!("the test token server needs 127.0.0.1:{TOKEN_PORT}: {e}"));
            let state: State = Arc::default();
            let shared = state.clone();
            std::thread::spawn(move || {
                for conn in listener.incoming().flatten() {
                    let state = shared.clone();
                    std::thread::spawn(move || serve(conn, &state));
                }
            });
            state
        })
        .clone()
}

fn serve(mut conn: std::net::TcpStream, state: &State) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&buf[head_end..head_end + length])
        .into_owned()
        .collect();
    let path = head.split_whitespace().nth(1).unwrap_or("").to_string();
    let (status, body) = {
        let mut s = state.lock().unwrap();
        match path.as_str() {
            "/introspect" => {
                s.introspections += 1;
                let token = form.get("token").cloned().unwrap_or_default();
                match s.access.get(&token) {
                    Some((user, until)) if *until > Instant::now() => {
                        (200, serde_json::json!({"active": true, "username": user}))
                    }
                    _ => (200, serde_json::json!({"active": false})),
                }
            }
            "/token" if form.get("grant_type").map(String::as_str) == Some("refresh_token") => {
                let r = form.get("refresh_token").cloned().unwrap_or_default();
                match s.refresh.get(&r).cloned() {
                    Some(user) => {
                        s.refreshes += 1;
                        let token = format!("at-{:016x}", rand::random::<u64>());
                        s.access
                            .insert(token.clone(), (user, Instant::now() + Duration::from_secs(60)));
                        (
                            200,
                            serde_json::json!({"access_token": token, "token_type": "Bearer", "expires_in": 60}),
                        )
                    }
                    None => (
                        400,
                        serde_json::json!({"error": "invalid_grant", "error_description": "the refresh token is unknown"}),
                    ),
                }
            }
            _ => (404, serde_json::json!({"error": "not_found"})),
        }
    };
    let body = body.to_string();
    let _ = write!(
        conn,
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
}

/// A fresh mailbox at the OAuth source.
fn oauth_user(prefix: &str) -> String {
    ensure_bed();
    let (user, pass) = unique_user(prefix, "old.example");
    let o = Command::new(script())
        .args(["adduser", "oauth", &user, &pass])
        .output()
        .expect("scripts/testbed adduser");
    assert!(
        o.status.success(),
        "adduser oauth: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    user
}

/// A token the server knows for `user`, living `life`.
fn issue(state: &State, user: &str, life: Duration) -> String {
    let token = format!("at-{:016x}", rand::random::<u64>());
    state
        .lock()
        .unwrap()
        .access
        .insert(token.clone(), (user.to_string(), Instant::now() + life));
    token
}

fn endpoint() -> Endpoint {
    Endpoint {
        host: "127.0.0.1".into(),
        port: OAUTH_IMAP,
        security: Security::Plain,
        addrs: vec![std::net::SocketAddr::from(([127, 0, 0, 1], OAUTH_IMAP))],
        tls: mailferry::net::tls_config(None, true).expect("tls config"),
        max_bytes_per_second: None,
    }
}

fn fixed(user: &str, token: &str, mechanism: BearerMechanism) -> Credentials {
    Credentials::Oauth {
        user: user.into(),
        tokens: Tokens(Arc::new(FixedToken(Secret::new(token)))),
        mechanism,
    }
}

#[tokio::test]
async fn xoauth2_and_oauthbearer_are_real_sasl_logins() {
    let state = token_server();
    let user = oauth_user("oauth-ok");
    for mechanism in [BearerMechanism::Xoauth2, BearerMechanism::Oauthbearer] {
        let token = issue(&state, &user, Duration::from_secs(60));
        let mut session = imapconn::connect(&endpoint(), &fixed(&user, &token, mechanism))
            .await
            .unwrap_or_else(|e| panic!("{mechanism:?} login: {e:#}"));
        let inbox = session.select("INBOX").await.expect("select INBOX");
        assert_eq!(inbox.exists, 0);
        let _ = session.logout().await;
    }
    assert!(
        state.lock().unwrap().introspections >= 2,
        "Dovecot asked the test's server"
    );
}

#[tokio::test]
async fn a_token_of_another_mailbox_an_expired_or_unknown_one_is_refused_and_never_shown() {
    let state = token_server();
    let user = oauth_user("oauth-no");
    let other = oauth_user("oauth-other");
    let others = issue(&state, &other, Duration::from_secs(60));
    let expired = issue(&state, &user, Duration::ZERO);
    let unknown = format!("at-{:016x}", rand::random::<u64>());
    for token in [others, expired, unknown] {
        for mechanism in [BearerMechanism::Xoauth2, BearerMechanism::Oauthbearer] {
            let err = match imapconn::connect(&endpoint(), &fixed(&user, &token, mechanism)).await {
                Ok(_) => panic!("{mechanism:?} with a bad token logged in"),
                Err(e) => e,
            };
            let text = format!("{err:#} {err:?}");
            assert!(err.downcast_ref::<LoginRefused>().is_some(), "{text}");
            assert!(!text.contains(&token), "the token is never shown: {text}");
        }
    }
}

/// The operator's Google app, its token endpoint this test's server.
fn app() -> App {
    let example = include_str!("../mailferry.example.toml")
        .replace("allow_private_addresses = false", "allow_private_addresses = true");
    let text = format!(
        "{example}\n[oauth.google]\nclient_id = \"test-client\"\ntoken_url = \"http://127.0.0.1:{TOKEN_PORT}/token\"\n"
    );
    let cfg = Config::parse(&text).expect("config");
    App::from_config(&cfg, "google").expect("app")
}

#[tokio::test]
async fn a_refused_or_expired_token_is_refreshed_and_the_login_goes_on() {
    let state = token_server();
    let user = oauth_user("oauth-refresh");
    let refresh = format!("rt-{:016x}", rand::random::<u64>());
    state.lock().unwrap().refresh.insert(refresh.clone(), user.clone());

    // The grant looks valid for an hour, but the server no longer takes the token: the door is
    // refused, renews once through the refresh token, and logs in.
    let dead = issue(&state, &user, Duration::ZERO);
    let grant = Grant::Consent {
        access_token: dead.clone(),
        refresh_token: Some(refresh.clone()),
        expires_at: chrono::Utc::now() + chrono::Duration::hours(1),
    };
    let source = Arc::new(GrantTokens::new(app(), &user, grant, Arc::new(SystemClock), None));
    let creds = Credentials::Oauth {
        user: user.clone(),
        tokens: Tokens(source.clone()),
        mechanism: BearerMechanism::Xoauth2,
    };
    let before = state.lock().unwrap().refreshes;
    let mut s = imapconn::connect(&endpoint(), &creds)
        .await
        .expect("login after a renewal");
    s.select("INBOX").await.expect("select");
    let _ = s.logout().await;
    assert_eq!(source.renewals(), 1);
    assert!(state.lock().unwrap().refreshes > before);
    assert_ne!(
        source.grant().await.access_token().expose(),
        dead,
        "the new token is kept"
    );

    // A grant known to have run out is refreshed before the first try.
    let grant = Grant::Consent {
        access_token: issue(&state, &user, Duration::ZERO),
        refresh_token: Some(refresh.clone()),
        expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
    };
    let source = Arc::new(GrantTokens::new(app(), &user, grant, Arc::new(SystemClock), None));
    let creds = Credentials::Oauth {
        user: user.clone(),
        tokens: Tokens(source.clone()),
        mechanism: BearerMechanism::Oauthbearer,
    };
    let s = imapconn::connect(&endpoint(), &creds)
        .await
        .expect("login with a refreshed token");
    drop(s);
    assert_eq!(source.renewals(), 1);

    // A refresh token the provider no longer knows: a refusal in the provider's words.
    let grant = Grant::Consent {
        access_token: issue(&state, &user, Duration::ZERO),
        refresh_token: Some("rt-revoked".into()),
        expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
    };
    let source = Arc::new(GrantTokens::new(app(), &user, grant, Arc::new(SystemClock), None));
    let creds = Credentials::Oauth {
        user: user.clone(),
        tokens: Tokens(source),
        mechanism: BearerMechanism::Xoauth2,
    };
    let err = match imapconn::connect(&endpoint(), &creds).await {
        Ok(_) => panic!("a revoked grant logged in"),
        Err(e) => e,
    };
    let refused = err.downcast_ref::<LoginRefused>().unwrap_or_else(|| panic!("{err:#}"));
    assert!(refused.to_string().contains("invalid_grant"), "{refused}");
    assert!(!format!("{err:#}").contains("rt-revoked"), "{err:#}");
}
