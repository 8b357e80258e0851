//! Product images: real JPEG and PNG uploads, refusals by content, size and
//! dimensions, the per-product limit, reorder, alt text, delete, cache headers.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, RgbImage};
use reqwest::StatusCode;

use crate::catalog::{create, errors, owner};
use crate::helpers::{Browser, Page};

pub fn picture(format: ImageFormat, w: u32, h: u32) -> Vec<u8> {
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    }));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

/// POST files as `multipart/form-data`, with the CSRF token in the URL as the page does.
pub async fn upload(
    browser: &Browser,
    path: &str,
    files: &[(&str, &str, Vec<u8>)],
    alt: &str,
) -> Page {
    let boundary = "----showfloor-test-boundary";
    let mut body = Vec::new();
    for (field, file_name, bytes) in files {
        body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"alt\"\r\n\r\n{alt}\r\n--{boundary}--\r\n").as_bytes());
    let token = browser.csrf().await;
    let response = browser
        .client
        .post(format!("{}{path}?csrf_token={token}", browser.base))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send()
        .await
        .expect("upload");
    let status = response.status();
    let headers = response.headers().clone();
    Page {
        status,
        headers,
        body: response.text().await.unwrap_or_default(),
    }
}

fn image_error(page: &Page) -> String {
    page.texts("#images-error").join(" ")
}

#[tokio::test]
async fn jpeg_and_png_uploads_are_resized_stored_and_served_for_a_year() {
    let app = crate::helpers::spawn_app().await;
    let owner = owner(&app, "photos").await;
    let id = create(&owner, &[("title", "Bowl"), ("price", "30")]).await;
    let path = format!("/catalog/products/{id}/images");

    let page = upload(
        &owner,
        &path,
        &[
            (
                "images",
                "front.jpg",
                picture(ImageFormat::Jpeg, 1600, 1200),
            ),
            ("images", "side.png", picture(ImageFormat::Png, 300, 200)),
        ],
        "The bowl",
    )
    .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", image_error(&page));

    let product = owner.get(&format!("/catalog/products/{id}")).await;
    let doc = scraper::Html::parse_document(&product.body);
    let sel = scraper::Selector::parse(".image-list img").unwrap();
    let srcs: Vec<String> = doc
        .select(&sel)
        .map(|e| e.value().attr("src").unwrap().to_string())
        .collect();
    assert_eq!(srcs.len(), 2);
    assert!(product.contains("alt=\"The bowl\""));

    let served = owner
        .client
        .get(format!("{}{}", app.base(), srcs[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(
        served.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(served.headers()["content-type"], "image/jpeg");
    let thumb = image::load_from_memory(&served.bytes().await.unwrap()).unwrap();
    assert_eq!((thumb.width(), thumb.height()), (320, 240));
    let (w, h): (i64, i64) = sqlx::query_as(
        "SELECT width, height FROM product_images WHERE product_id = $1 ORDER BY position LIMIT 1",
    )
    .bind(id)
    .fetch_one(app.db())
    .await
    .unwrap();
    assert_eq!((w, h), (1080, 810));
    assert_eq!(
        owner
            .get("/media/images/..%2F..%2Fshowfloor.db")
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Reorder (the no-script buttons), alt text, delete.
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM product_images WHERE product_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(app.db())
            .await
            .unwrap();
    owner
        .post(
            &format!("{path}/order"),
            &[("move", &format!("{}:up", ids[1]))],
        )
        .await;
    let order: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM product_images WHERE product_id = $1 ORDER BY position")
            .bind(id)
            .fetch_all(app.db())
            .await
            .unwrap();
    assert_eq!(order, [ids[1], ids[0]]);
    owner
        .post(
            &format!("{path}/order"),
            &[("order", &format!("{},{}", ids[0], ids[1]))],
        )
        .await;
    owner
        .post(&format!("{path}/{}/alt", ids[1]), &[("alt", "Side view")])
        .await;
    assert!(
        owner
            .get(&format!("/catalog/products/{id}"))
            .await
            .contains("alt=\"Side view\"")
    );
    let deleted = owner.post(&format!("{path}/{}/delete", ids[0]), &[]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        owner
            .client
            .get(format!("{}{}", app.base(), srcs[0]))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND,
        "the file went with it"
    );
}

#[tokio::test]
async fn text_files_huge_files_image_bombs_and_a_ninth_image_are_refused() {
    let app = crate::helpers::spawn_app().await;
    let owner = owner(&app, "refusals").await;
    let id = create(&owner, &[("title", "Bowl"), ("price", "30")]).await;
    let path = format!("/catalog/products/{id}/images");

    let renamed = upload(
        &owner,
        &path,
        &[(
            "images",
            "photo.jpg",
            b"just some text, not a photo".to_vec(),
        )],
        "",
    )
    .await;
    assert_eq!(renamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        image_error(&renamed).contains("not a JPEG, PNG or WebP"),
        "{}",
        image_error(&renamed)
    );

    let mut huge = picture(ImageFormat::Png, 10, 10);
    huge.resize(9 * 1024 * 1024, 0);
    let too_big = upload(&owner, &path, &[("images", "huge.png", huge)], "").await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(
        image_error(&too_big).contains("huge.png is larger than 8 MB"),
        "{}",
        image_error(&too_big)
    );

    // A valid PNG header claiming 60,000 × 60,000 pixels, a few hundred bytes long.
    let bomb = png_header(60_000, 60_000);
    let refused = upload(&owner, &path, &[("images", "bomb.png", bomb)], "").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        image_error(&refused).contains("60000 × 60000 pixels"),
        "{}",
        image_error(&refused)
    );

    let eight: Vec<(&str, &str, Vec<u8>)> = (0..8)
        .map(|_| ("images", "ok.png", picture(ImageFormat::Png, 20, 20)))
        .collect();
    assert_eq!(
        upload(&owner, &path, &eight, "").await.status,
        StatusCode::SEE_OTHER
    );
    let ninth = upload(
        &owner,
        &path,
        &[("images", "ninth.png", picture(ImageFormat::Png, 20, 20))],
        "",
    )
    .await;
    assert_eq!(ninth.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        image_error(&ninth).contains("can have 8 images"),
        "{}",
        image_error(&ninth)
    );
    assert!(errors(&ninth).len() == 1);
}

/// The start of a PNG: signature and an IHDR chunk with a correct CRC.
fn png_header(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend_from_slice(&13u32.to_be_bytes());
    out.extend_from_slice(&ihdr);
    out.extend_from_slice(&crc32(&ihdr).to_be_bytes());
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(b"IDAT");
    out.extend_from_slice(&crc32(b"IDAT").to_be_bytes());
    out
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for b in bytes {
        crc ^= u32::from(*b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}
