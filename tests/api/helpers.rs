//! `spawn_app()`: the real server on a random loopback port with a database of its own
//! (a SQLite file in a temp folder, or a fresh PostgreSQL database when the suite runs
//! with `TEST_BACKEND=postgres`), and `Browser`, an HTTP client with a cookie jar.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::redirect::Policy;
use showfloor::Server;
use showfloor::config::Config;
use sqlx::Connection;
use tempfile::TempDir;

pub const PASSWORD: &str = "correct horse battery";

pub struct TestApp {
    pub server: Option<Server>,
    pub config: Config,
    _data_dir: Arc<TempDir>,
}

/// Which database the suite runs on: `TEST_BACKEND=postgres` or SQLite (default).
pub fn on_postgres() -> bool {
    std::env::var("TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

/// A database of its own for one test: a SQLite file in `data_dir`, or a new PostgreSQL database.
pub async fn database_url(data_dir: &TempDir) -> String {
    if !on_postgres() {
        return format!(
            "sqlite://{}",
            data_dir.path().join("showfloor.db").display()
        );
    }
    let admin = std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!(
        "sf_test_{}",
        showfloor::auth::tokens::random_token()[..12]
            .to_lowercase()
            .replace('-', "_")
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("PostgreSQL reachable for tests");
    sqlx::query(&format!("CREATE DATABASE \"{name}\""))
        .execute(&mut conn)
        .await
        .expect("create test database");
    conn.close().await.ok();
    let mut url = url::Url::parse(&admin).expect("valid TEST_POSTGRES_URL");
    url.set_path(&format!("/{name}"));
    url.to_string()
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A server with some of its configuration changed from the tests' defaults.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    // Server errors show in the output of the test that caused them.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(std::env::var("TEST_LOG").unwrap_or_else(|_| "warn".into()))
        .with_test_writer()
        .try_init();
    let data_dir = TempDir::new().expect("temp dir");
    let url = database_url(&data_dir).await;
    let mut config = Config::for_tests(data_dir.path().to_path_buf(), url);
    tweak(&mut config);
    let server = Server::start(config.clone()).await.expect("server starts");
    TestApp {
        server: Some(server),
        config,
        _data_dir: Arc::new(data_dir),
    }
}

impl TestApp {
    pub fn base(&self) -> String {
        format!("http://{}", self.server.as_ref().expect("running").addr)
    }

    pub fn db(&self) -> &sqlx::AnyPool {
        &self.server.as_ref().expect("running").state.db.pool
    }

    /// A new browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser::new(self.base())
    }

    /// Stop the server (finishing in-flight requests) and start a new process-equivalent
    /// on the same database, on a new port.
    pub async fn restart(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.expect("clean stop");
        }
        self.server = Some(
            Server::start(self.config.clone())
                .await
                .expect("server restarts"),
        );
    }
}

pub struct Browser {
    pub client: reqwest::Client,
    pub base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The `value` of the first `<input>` whose `name` (or `id`) is `name`.
    pub fn input_value(&self, name: &str) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let selector =
            scraper::Selector::parse(&format!("input[name=\"{name}\"], input[id=\"{name}\"]"))
                .ok()?;
        doc.select(&selector)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
    }

    /// Text of the elements matching a CSS selector.
    pub fn texts(&self, css: &str) -> Vec<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(css).expect("valid selector");
        doc.select(&selector)
            .map(|e| e.text().collect::<String>().trim().to_string())
            .collect()
    }

    /// The link in the first flash message that carries one.
    pub fn flash_link(&self) -> Option<String> {
        let doc = scraper::Html::parse_document(&self.body);
        let selector = scraper::Selector::parse(".flash .copy-field input").ok()?;
        doc.select(&selector)
            .next()
            .and_then(|e| e.value().attr("value").map(str::to_owned))
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

impl Browser {
    pub fn new(base: String) -> Browser {
        let client = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client");
        Browser { client, base }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{}", self.base, path)
        }
    }

    async fn page(response: reqwest::Response) -> Page {
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    pub async fn get(&self, path: &str) -> Page {
        Self::page(self.client.get(self.url(path)).send().await.expect("GET")).await
    }

    /// The CSRF token of this browser's session (every page carries it).
    pub async fn csrf(&self) -> String {
        self.get("/login")
            .await
            .input_value("csrf_token")
            .expect("page has a CSRF token")
    }

    /// POST a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf().await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        self.post_raw(path, &form).await
    }

    /// POST exactly these fields (no CSRF token added).
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Page {
        Self::page(
            self.client
                .post(self.url(path))
                .form(fields)
                .send()
                .await
                .expect("POST"),
        )
        .await
    }

    /// Sign up a shop `slug` with owner `email`; the browser is then signed in.
    pub async fn sign_up(&self, slug: &str, email: &str) -> Page {
        let page = self
            .post(
                "/signup",
                &[
                    ("shop_name", &format!("Shop {slug}")),
                    ("shop_slug", slug),
                    ("currency", "EUR"),
                    ("time_zone", "Europe/Paris"),
                    ("name", "Owner"),
                    ("email", email),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "sign-up failed: {}",
            page.body
        );
        page
    }

    pub async fn sign_in(&self, email: &str, password: &str) -> Page {
        self.post("/login", &[("email", email), ("password", password)])
            .await
    }

    /// Owner action: invite `email` as `role`, returning the one-time link.
    pub async fn invite(&self, email: &str, role: &str) -> String {
        let page = self
            .post(
                "/settings/team/invites",
                &[("email", email), ("role", role)],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "invite failed: {}",
            page.body
        );
        self.get("/settings/team")
            .await
            .flash_link()
            .expect("invitation link shown once")
    }

    /// Accept an invitation as a new person; the browser is then signed in.
    pub async fn accept_invite(&self, link: &str, name: &str) -> Page {
        let path = link
            .split_once("/invites/")
            .map(|(_, t)| format!("/invites/{t}"))
            .expect("invite link");
        let page = self
            .post(
                &path,
                &[
                    ("name", name),
                    ("password", PASSWORD),
                    ("password_confirm", PASSWORD),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "accept failed: {}",
            page.body
        );
        page
    }
}

/// A unique e-mail address for a test.
pub fn email(who: &str) -> String {
    format!(
        "{who}-{}@example.com",
        &showfloor::auth::tokens::random_token()[..8].to_lowercase()
    )
}

/// A CSV export as rows of column name → value (the header row names the columns).
pub fn parse_csv(body: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .map(String::from)
                .zip(r.iter().map(String::from))
                .collect()
        })
        .collect()
}
