//! The binary itself: help, configuration mistakes, and `showfloor demo`.

use std::process::{Command, Output};

use tempfile::TempDir;

use crate::helpers::database_url;

const BIN: &str = env!("CARGO_BIN_EXE_showfloor");

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .env("SHOWFLOOR_LOG", "warn");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).to_string()
}

#[test]
fn help_documents_every_option_and_its_environment_variable() {
    let out = run(&["--help"], &[]);
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for needle in [
        "--listen",
        "SHOWFLOOR_LISTEN",
        "--data-dir",
        "SHOWFLOOR_DATA_DIR",
        "--database-url",
        "DATABASE_URL",
        "--base-url",
        "SHOWFLOOR_BASE_URL",
        "--ice-servers",
        "--turn-secret",
        "SHOWFLOOR_TURN_SECRET",
        "serve",
        "migrate",
        "demo",
    ] {
        assert!(help.contains(needle), "help lacks {needle}:\n{help}");
    }
}

#[test]
fn a_port_in_use_exits_non_zero_with_one_clear_sentence() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let dir = TempDir::new().unwrap();
    let out = run(
        &[
            "--listen",
            &addr,
            "--data-dir",
            dir.path().to_str().unwrap(),
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains(&format!("error: cannot listen on {addr}")),
        "{err}"
    );
    assert!(err.to_lowercase().contains("in use"), "{err}");
    assert!(
        !err.contains("panicked") && !err.contains("backtrace"),
        "{err}"
    );
}

#[test]
fn an_unknown_database_url_scheme_is_explained() {
    let dir = TempDir::new().unwrap();
    let out = run(
        &["migrate", "--data-dir", dir.path().to_str().unwrap()],
        &[("DATABASE_URL", "mysql://root@localhost/x")],
    );
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("must start with sqlite:// or postgres://"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_data_folder_that_cannot_be_created_is_explained() {
    let dir = TempDir::new().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let bad = file.join("data");
    let out = run(&["migrate", "--data-dir", bad.to_str().unwrap()], &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("cannot create the data folder"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unparsable_base_url_is_refused_by_name() {
    let out = run(&["--base-url", "not a url", "migrate"], &[]);
    assert!(!out.status.success());
    assert!(stderr(&out).contains("--base-url"), "{}", stderr(&out));
}

#[test]
fn a_malformed_ice_server_entry_is_refused_naming_it() {
    let out = run(
        &[
            "--ice-servers",
            "stun:stun.example.com,turn:relay.example.com:99999",
            "migrate",
        ],
        &[],
    );
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(err.contains("turn:relay.example.com:99999"), "{err}");
    assert!(err.contains("bad port \"99999\""), "{err}");
    let out = run(
        &["--ice-servers", "http://relay.example.com", "migrate"],
        &[],
    );
    assert!(
        stderr(&out).contains("expected stun:, stuns:, turn: or turns:"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_turn_server_without_credentials_needs_the_shared_secret() {
    let dir = TempDir::new().unwrap();
    let args = [
        "--listen",
        "127.0.0.1:0",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--ice-servers",
        "turn:relay.example.com:3478",
    ];
    let out = run(&args, &[]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("error: --ice-servers entry turn:relay.example.com:3478 has no credentials"),
        "{err}"
    );
    assert!(err.contains("--turn-secret"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[tokio::test]
async fn demo_seeds_once_and_prints_the_same_login_every_time() {
    let dir = TempDir::new().unwrap();
    let url = database_url(&dir).await;
    let data = dir.path().to_str().unwrap().to_string();

    let first = tokio::task::spawn_blocking({
        let data = data.clone();
        let url = url.clone();
        move || {
            run(
                &["demo", "--data-dir", &data],
                &[("DATABASE_URL", url.as_str())],
            )
        }
    })
    .await
    .unwrap();
    assert!(first.status.success(), "{}", stderr(&first));
    let first_out = String::from_utf8_lossy(&first.stdout).to_string();
    assert!(first_out.contains("password: "), "{first_out}");

    let counts = || async {
        let db = showfloor::db::Db::connect(&url, 2).await.unwrap();
        let mut counts = [0i64; 5];
        let queries = [
            "SELECT COUNT(*) FROM shops",
            "SELECT COUNT(*) FROM users",
            "SELECT COUNT(*) FROM products WHERE status = 'active'",
            "SELECT COUNT(*) FROM product_images",
            "SELECT COUNT(*) FROM streams WHERE status = 'scheduled'",
        ];
        for (n, sql) in counts.iter_mut().zip(queries) {
            *n = sqlx::query_scalar(sql).fetch_one(&db.pool).await.unwrap();
        }
        db.pool.close().await;
        counts
    };
    let before = counts().await;
    let [shops, users, products, images, streams] = before;
    assert_eq!((shops, users), (1, 1));
    assert!(
        products >= 3 && images >= products,
        "products with photos: {products} products, {images} images"
    );
    assert_eq!(streams, 1, "one scheduled demo stream");
    assert!(first_out.contains("stream page: http"), "{first_out}");
    assert!(first_out.contains("/whip/"), "{first_out}");
    assert!(first_out.contains("stream key (shown once"), "{first_out}");

    let second = tokio::task::spawn_blocking({
        let url = url.clone();
        move || {
            run(
                &["demo", "--data-dir", &data],
                &[("DATABASE_URL", url.as_str())],
            )
        }
    })
    .await
    .unwrap();
    assert!(second.status.success(), "{}", stderr(&second));
    let second_out = String::from_utf8_lossy(&second.stdout).to_string();
    let login = |s: &str| {
        s.lines()
            .filter(|l| l.starts_with("email: ") || l.starts_with("password: "))
            .map(str::to_owned)
            .collect::<Vec<_>>()
    };
    assert_eq!(login(&first_out), login(&second_out));
    assert_eq!(counts().await, before, "a second run changes nothing");
}
