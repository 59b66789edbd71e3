//! The HTTP client against small servers on 127.0.0.1 that answer what a test tells them to:
//! framing a hostile server might send, redirects, address checks, deadlines, TLS with an
//! operator's CA.

use super::*;
use std::sync::Mutex;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the fake server saw: one request head (and body) per entry.
type Seen = Arc<Mutex<Vec<String>>>;

/// A server on 127.0.0.1 that reads each request and writes what `answer` returns for it
/// (given the request text), then closes the connection.
async fn server<F>(answer: F) -> (SocketAddr, Seen)
where
    F: Fn(&str) -> Vec<u8> + Send + Sync + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let log = log.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let Some(request) = read_request(&mut s).await else {
                    return;
                };
                log.lock().unwrap().push(request.clone());
                let _ = s.write_all(&answer(&request)).await;
                let _ = s.shutdown().await;
            });
        }
    });
    (addr, seen)
}

async fn read_request(s: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            l.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_string())
        })
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    s.read_exact(&mut body).await.ok()?;
    Some(head + &String::from_utf8_lossy(&body))
}

fn settings() -> Settings {
    Settings {
        allow_private: true,
        timeout: Duration::from_secs(10),
        max_body: 1000,
        ..Settings::new(crate::net::tls_config(None, false).unwrap())
    }
}

fn url(addr: SocketAddr, path: &str) -> Url {
    Url::parse(&format!("http://{addr}{path}")).unwrap()
}

async fn get(client: &Client, u: Url) -> Result<Response> {
    client.send(Request::get(u)).await
}

fn error_text(r: Result<Response>) -> String {
    match r {
        Ok(resp) => panic!("expected an error, got {}", resp.describe()),
        Err(e) => format!("{e:#}"),
    }
}

#[test]
fn base_urls_parse() {
    let u = BaseUrl::parse("http://127.0.0.1:5232").unwrap();
    assert_eq!(
        (u.tls, u.host.as_str(), u.port, u.path.as_str()),
        (false, "127.0.0.1", 5232, "")
    );
    let u = BaseUrl::parse("https://DAV.new.example/remote.php/dav/").unwrap();
    assert_eq!(
        (u.tls, u.host.as_str(), u.port, u.path.as_str()),
        (true, "dav.new.example", 443, "/remote.php/dav")
    );
    assert_eq!(u.at("/a%40b/x.vcf").as_str(), "https://dav.new.example/a%40b/x.vcf");
    let u = BaseUrl::parse("https://[::1]:8443").unwrap();
    assert_eq!((u.host.as_str(), u.port), ("::1", 8443));
    let u = BaseUrl::parse("http://münchen.example/").unwrap();
    assert_eq!(u.host, "xn--mnchen-3ya.example");
    for bad in [
        "ftp://x",
        "https://",
        "https://a:b@x",
        "https://a@x",
        "https://x:notaport",
        "https://x:99999",
        "https://x/?q=1",
        "https://x/#f",
        "dav.example",
    ] {
        assert!(BaseUrl::parse(bad).is_err(), "{bad}");
    }
    let err = format!("{:#}", BaseUrl::parse("https://admin:secret@x").unwrap_err());
    assert!(err.contains("password_file"), "{err}");
}

#[test]
fn segments_are_encoded_and_decoded() {
    assert_eq!(encode_segment("anna@new.example"), "anna@new.example");
    assert_eq!(encode_segment("a b/c%"), "a%20b%2Fc%25");
    assert_eq!(encode_segment("Jürgen"), "J%C3%BCrgen");
    assert_eq!(encode_segment("x?y#z"), "x%3Fy%23z");
    assert_eq!(decode_percent("J%C3%BCrgen%40x%zz"), "Jürgen@x%zz");
    assert_eq!(decode_percent("%ff%"), "\u{fffd}%");
}

#[test]
fn describe_takes_the_servers_first_words() {
    let r = Response {
        status: 403,
        reason: "Forbidden".into(),
        url: Url::parse("http://x/").unwrap(),
        headers: Vec::new(),
        body: b"\n<?xml version=\"1.0\"?>\nAccess to the collection\x07 denied\nmore".to_vec(),
    };
    assert_eq!(r.describe(), "403 Forbidden: Access to the collection denied");
    let r = Response {
        status: 599,
        reason: String::new(),
        body: Vec::new(),
        ..r
    };
    assert_eq!(r.describe(), "599");
}

#[tokio::test]
async fn answers_are_read_in_all_three_framings() {
    let (addr, seen) = server(|req| {
        if req.starts_with("PUT /length") {
            b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok".to_vec()
        } else if req.starts_with("GET /chunked") {
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\n\r\n".to_vec()
        } else {
            b"HTTP/1.0 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nBad Request".to_vec()
        }
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    let secret = Secret::new("Basic YWRtaW46cHc=");
    let r = client
        .send(Request {
            method: "PUT",
            url: url(addr, "/length"),
            headers: &[("If-None-Match", "*"), ("Content-Type", "text/vcard")],
            body: b"BEGIN:VCARD",
            authorization: Some(&secret),
        })
        .await
        .unwrap();
    assert_eq!((r.status, r.body.as_slice()), (201, &b"ok"[..]));
    let r = get(&client, url(addr, "/chunked")).await.unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"abcde"[..]));
    let r = get(&client, url(addr, "/close")).await.unwrap();
    assert_eq!((r.status, r.body.as_slice()), (400, &b"Bad Request"[..]));
    assert_eq!(r.describe(), "400 Bad Request");
    let seen = seen.lock().unwrap();
    let put = seen[0].to_ascii_lowercase();
    assert!(put.contains("if-none-match: *\r\n"), "{put}");
    assert!(put.contains("authorization: basic ywrtaw46chc=\r\n"), "{put}");
    assert!(put.contains("user-agent: mailferry/"), "{put}");
    assert!(put.ends_with("\r\n\r\nbegin:vcard"), "{put}");
}

/// A hostile server's chunk size that does not fit in 64 bits: a clean error, no panic.
#[tokio::test]
async fn a_chunk_size_beyond_64_bits_is_a_clean_error() {
    let (addr, _) = server(|_| {
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nfffffffffffffffffffffff\r\nx".to_vec()
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    let err = error_text(get(&client, url(addr, "/")).await);
    assert!(err.contains("reading the answer"), "{err}");
    assert!(err.contains("chunk size"), "{err}");
}

/// A chunk size that fits but announces more than the cap, and chunks that add up past it.
#[tokio::test]
async fn chunks_past_the_cap_are_refused() {
    let (addr, _) = server(|req| {
        if req.starts_with("GET /one") {
            // The largest size 64 bits hold, then data: the old client added it to the body's
            // length unchecked.
            let mut a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n".to_vec();
            a.extend_from_slice(&[b'x'; 4000]);
            a
        } else {
            let mut a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
            for _ in 0..20 {
                a.extend_from_slice(b"64\r\n");
                a.extend_from_slice(&[b'y'; 100]);
                a.extend_from_slice(b"\r\n");
            }
            a.extend_from_slice(b"0\r\n\r\n");
            a
        }
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    for path in ["/one", "/many"] {
        let err = error_text(get(&client, url(addr, path)).await);
        assert!(err.contains("larger than 1000 bytes"), "{path}: {err}");
    }
}

#[tokio::test]
async fn oversized_answers_are_refused() {
    let (addr, _) = server(|req| {
        if req.starts_with("GET /announced") {
            b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\nxx".to_vec()
        } else if req.starts_with("GET /unframed") {
            [b"HTTP/1.0 200 OK\r\n\r\n".as_slice(), &[b'x'; 5000]].concat()
        } else if req.starts_with("GET /header") {
            [b"HTTP/1.1 200 OK\r\nX: ".as_slice(), &vec![b'x'; 1 << 20], b"\r\n\r\n"].concat()
        } else {
            b"HTTP/1.1 200 OK\r\nContent-Length: banana\r\n\r\n".to_vec()
        }
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    let err = error_text(get(&client, url(addr, "/announced")).await);
    assert!(err.contains("larger than 1000 bytes (99999999999)"), "{err}");
    let err = error_text(get(&client, url(addr, "/unframed")).await);
    assert!(err.contains("larger than 1000 bytes"), "{err}");
    error_text(get(&client, url(addr, "/header")).await);
    error_text(get(&client, url(addr, "/length")).await);
}

#[tokio::test]
async fn garbage_and_silence_are_clean_errors() {
    let (addr, _) = server(|req| {
        if req.starts_with("GET /garbage") {
            b"* OK IMAP4rev1 ready\r\n".to_vec()
        } else {
            Vec::new() // closes without a word
        }
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    error_text(get(&client, url(addr, "/garbage")).await);
    error_text(get(&client, url(addr, "/nothing")).await);
}

#[tokio::test]
async fn a_server_that_stalls_runs_into_the_deadline() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut s, _)) = listener.accept().await {
            let _ = read_request(&mut s).await;
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc").await;
            held.push(s); // never finishes the body
        }
    });
    let client = Client::new(&Settings {
        timeout: Duration::from_millis(500),
        ..settings()
    })
    .unwrap();
    let started = std::time::Instant::now();
    let err = get(&client, url(addr, "/")).await.unwrap_err();
    assert!(is_timeout(&err), "{err:#}");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn bad_methods_and_headers_are_refused_before_sending() {
    let (addr, seen) = server(|_| b"HTTP/1.1 204 No Content\r\n\r\n".to_vec()).await;
    let client = Client::new(&settings()).unwrap();
    let send = |method: &'static str, headers: &'static [(&'static str, &'static str)]| {
        client.send(Request {
            method,
            url: url(addr, "/"),
            headers,
            body: b"",
            authorization: None,
        })
    };
    error_text(send("GET", &[("X-A", "b\r\nInjected: yes")]).await);
    error_text(send("GET", &[("Bad Name", "x")]).await);
    error_text(send("GE T", &[]).await);
    assert_eq!(send("MKCOL", &[]).await.unwrap().status, 204);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

#[tokio::test]
async fn redirects_are_followed_by_hand_and_credentials_stay_home() {
    let (other, other_seen) = server(|_| b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nthere".to_vec()).await;
    let (addr, seen) = server(move |req| {
        if req.starts_with("PROPFIND /moved ") {
            b"HTTP/1.1 308 Permanent Redirect\r\nLocation: /moved/\r\nContent-Length: 0\r\n\r\n".to_vec()
        } else if req.starts_with("PROPFIND /moved/ ") {
            b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 4\r\n\r\nhere".to_vec()
        } else if req.starts_with("PUT /see-other") {
            b"HTTP/1.1 303 See Other\r\nLocation: /done\r\nContent-Length: 0\r\n\r\n".to_vec()
        } else if req.starts_with("GET /done") {
            b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone".to_vec()
        } else if req.starts_with("GET /away") {
            // Another origin: localhost instead of 127.0.0.1.
            format!(
                "HTTP/1.1 302 Found\r\nLocation: http://localhost:{}/x\r\nContent-Length: 0\r\n\r\n",
                other.port()
            )
            .into_bytes()
        } else {
            b"HTTP/1.1 301 Moved Permanently\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n".to_vec()
        }
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    let secret = Secret::new("Basic c2VjcmV0");
    let request = |method: &'static str, path: &str, body: &'static [u8]| Request {
        method,
        url: url(addr, path),
        headers: &[],
        body,
        authorization: Some(&secret),
    };
    // 308 repeats the request, body, method and credentials, on the same origin.
    let r = client
        .send(request("PROPFIND", "/moved", b"<propfind/>"))
        .await
        .unwrap();
    assert_eq!((r.status, r.body.as_slice()), (207, &b"here"[..]));
    assert_eq!(r.url.path(), "/moved/");
    // 303 turns a PUT into a GET without a body.
    let r = client.send(request("PUT", "/see-other", b"data")).await.unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"done"[..]));
    // Another origin gets no credentials.
    let r = client.send(request("GET", "/away", b"")).await.unwrap();
    assert_eq!(r.body, b"there");
    let err = error_text(client.send(request("GET", "/loop", b"")).await);
    assert!(err.contains("more than 5 redirects"), "{err}");
    // Without redirects to follow, the 3xx answer is the caller's.
    let plain = Client::new(&Settings {
        max_redirects: 0,
        ..settings()
    })
    .unwrap();
    assert_eq!(get(&plain, url(addr, "/loop")).await.unwrap().status, 301);

    let seen = seen.lock().unwrap();
    assert!(
        seen[1].starts_with("PROPFIND /moved/ ") && seen[1].ends_with("<propfind/>"),
        "{}",
        seen[1]
    );
    assert!(seen[1].to_ascii_lowercase().contains("authorization: basic c2vjcmv0"));
    assert!(
        seen[3].starts_with("GET /done ") && seen[3].ends_with("\r\n\r\n"),
        "{}",
        seen[3]
    );
    let other_seen = other_seen.lock().unwrap();
    assert_eq!(other_seen.len(), 1);
    assert!(
        !other_seen[0].to_ascii_lowercase().contains("authorization"),
        "{}",
        other_seen[0]
    );
}

#[tokio::test]
async fn a_redirect_from_https_to_http_or_elsewhere_is_refused() {
    // The redirect is judged before any connection to its target.
    let (addr, _) = server(|req| {
        let to = if req.contains("/ftp") {
            "ftp://x/"
        } else {
            "http://[::1"
        };
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").into_bytes()
    })
    .await;
    let client = Client::new(&settings()).unwrap();
    let err = error_text(get(&client, url(addr, "/ftp")).await);
    assert!(err.contains("not an http(s) URL"), "{err}");
    let err = error_text(get(&client, url(addr, "/bad")).await);
    assert!(err.contains("not a URL"), "{err}");
}

#[tokio::test]
async fn private_addresses_are_refused_unless_allowed() {
    let (addr, seen) = server(|_| b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n".to_vec()).await;
    let public_only = Client::new(&Settings {
        allow_private: false,
        ..settings()
    })
    .unwrap();
    // An IP literal (reqwest never looks it up) and a name that resolves to loopback.
    let err = error_text(get(&public_only, url(addr, "/")).await);
    assert!(err.contains("private or reserved network"), "{err}");
    let by_name = Url::parse(&format!("http://localhost:{}/", addr.port())).unwrap();
    let err = error_text(get(&public_only, by_name).await);
    assert!(err.contains("private or reserved network"), "{err}");
    assert!(seen.lock().unwrap().is_empty(), "nothing reached the server");
    assert!(Client::pinned(
        &Settings {
            allow_private: false,
            ..settings()
        },
        "dav.example",
        &[addr]
    )
    .is_err());
}

/// The first hop goes to a "public" name (pinned to the fake server, as a checked lookup would
/// have it); its redirects to loopback, by address or by name, are checked again and refused.
#[tokio::test]
async fn every_redirect_target_is_checked_again() {
    let (addr, seen) = server(move |req| {
        let to = if req.starts_with("GET /by-address") {
            "http://127.0.0.1:9/admin".to_string()
        } else if req.starts_with("GET /by-name") {
            "http://localhost:9/admin".to_string()
        } else {
            "http://[::ffff:10.0.0.1]/".to_string()
        };
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\n\r\n").into_bytes()
    })
    .await;
    let s = Settings {
        allow_private: false,
        ..settings()
    };
    // As if public.example had resolved (and been checked) to a public address.
    let client = Client::build(&s, Some(("public.example", &[addr]))).unwrap();
    for path in ["/by-address", "/by-name", "/mapped"] {
        let u = Url::parse(&format!("http://public.example:{}{path}", addr.port())).unwrap();
        let err = error_text(get(&client, u).await);
        assert!(err.contains("private or reserved network"), "{path}: {err}");
    }
    assert_eq!(seen.lock().unwrap().len(), 3, "only the first hops reached a server");
}

#[tokio::test]
async fn https_uses_our_roots_and_the_operators_ca() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let openssl = |args: &[&str]| {
        let out = std::process::Command::new("openssl")
            .args(args)
            .current_dir(d)
            .output()
            .expect("openssl (Debian openssl) is needed; scripts/testbed installs it");
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=test CA",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        "key.pem",
        "-out",
        "server.csr",
    ]);
    std::fs::write(d.join("ext.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    openssl(&[
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.pem",
    ]);
    let certs: Vec<_> = rustls::pki_types::CertificateDer::pem_file_iter(d.join("server.pem"))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let key = rustls::pki_types::PrivateKeyDer::from_pem_file(d.join("key.pem")).unwrap();
    use rustls::pki_types::pem::PemObject;
    let server_config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((s, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(s).await else { return };
                let mut buf = [0u8; 4096];
                let _ = tls.read(&mut buf).await;
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    let u = Url::parse(&format!("https://localhost:{}/", addr.port())).unwrap();
    let with_ca = Client::new(&Settings {
        tls: crate::net::tls_config(Some(&d.join("ca.pem")), false).unwrap(),
        ..settings()
    })
    .unwrap();
    let r = get(&with_ca, u.clone()).await.unwrap();
    assert_eq!((r.status, r.body.as_slice()), (200, &b"secure"[..]));
    let web_pki_only = Client::new(&settings()).unwrap();
    let err = error_text(get(&web_pki_only, u).await);
    assert!(err.to_ascii_lowercase().contains("certificate"), "{err}");
}
