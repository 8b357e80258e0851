//! Demo products for `showfloor demo`: five active products with stock, prices in
//! euros and a photo each, drawn in code and stored through the real image pipeline.

use std::io::Cursor;
use std::path::Path;

use anyhow::Context;
use image::{ImageFormat, Rgb, RgbImage};
use sqlx::AnyPool;

use super::domain::{ProductOption, Status};
use super::inventory::{self, Change, Reason};
use super::store::{self, ProductInput};
use super::{images, variants};

struct DemoProduct {
    title: &'static str,
    slug: &'static str,
    description: &'static str,
    price: i64,
    compare_at: Option<i64>,
    sku: &'static str,
    tags: &'static [&'static str],
    sizes: &'static [(&'static str, i64)],
    /// Gradient from, to, and the colour of the shape in the middle.
    colours: [[u8; 3]; 3],
}

const PRODUCTS: &[DemoProduct] = &[
    DemoProduct {
        title: "Linen Overshirt",
        slug: "linen-overshirt",
        description: "Washed European linen, relaxed fit, mother-of-pearl buttons.\n\nSize guide: https://example.com/size-guide",
        price: 8900,
        compare_at: Some(10900),
        sku: "LIN-OVR",
        tags: &["linen", "summer"],
        sizes: &[("S", 12), ("M", 8), ("L", 3)],
        colours: [[232, 220, 196], [196, 172, 136], [250, 246, 238]],
    },
    DemoProduct {
        title: "Ceramic Pour-Over Set",
        slug: "ceramic-pour-over-set",
        description: "A stoneware dripper and carafe, glazed by hand in Porto. Brews two cups.",
        price: 5400,
        compare_at: None,
        sku: "CER-POUR",
        tags: &["coffee", "ceramics"],
        sizes: &[("", 20)],
        colours: [[66, 92, 110], [30, 44, 58], [214, 200, 180]],
    },
    DemoProduct {
        title: "Hand-Dyed Silk Scarf",
        slug: "hand-dyed-silk-scarf",
        description: "Pure silk twill, dyed with indigo and madder. 90 × 90 cm.",
        price: 6500,
        compare_at: None,
        sku: "SILK-SCF",
        tags: &["silk", "gift"],
        sizes: &[("", 6)],
        colours: [[44, 62, 140], [150, 60, 90], [240, 200, 120]],
    },
    DemoProduct {
        title: "Beeswax Candle Trio",
        slug: "beeswax-candle-trio",
        description: "Three pillar candles of pure beeswax, about 40 hours each.",
        price: 2900,
        compare_at: None,
        sku: "BEE-TRIO",
        tags: &["home", "gift"],
        sizes: &[("", 40)],
        colours: [[250, 214, 120], [226, 150, 50], [255, 244, 214]],
    },
    DemoProduct {
        title: "Walnut Serving Board",
        slug: "walnut-serving-board",
        description: "Solid black walnut, oiled, with a juice groove. 45 × 25 cm.",
        price: 7200,
        compare_at: Some(8500),
        sku: "WAL-BRD",
        tags: &["kitchen", "wood"],
        sizes: &[("", 4)],
        colours: [[120, 84, 60], [70, 46, 32], [200, 160, 120]],
    },
];

/// Add the demo products to `shop_id`, unless the shop already has products.
pub async fn seed_demo(db: &AnyPool, data_dir: &Path, shop_id: i64) -> anyhow::Result<()> {
    if store::product_count(db, shop_id).await? > 0 {
        return Ok(());
    }
    let currency = crate::shops::store::by_id(db, shop_id)
        .await?
        .context("the demo shop is gone")?
        .currency;
    // Photos first (CPU and files), then every row in one transaction.
    let mut photos = Vec::new();
    for p in PRODUCTS {
        let png = photo(p.colours);
        let processed = tokio::task::spawn_blocking(move || images::process(&png))
            .await?
            .map_err(anyhow::Error::msg)?;
        let thumb = images::save(data_dir, &processed.thumb).await?;
        let display = images::save(data_dir, &processed.display).await?;
        photos.push((thumb, display, (processed.width, processed.height)));
    }
    let mut tx = db.begin().await?;
    for (p, (thumb, display, size)) in PRODUCTS.iter().zip(photos) {
        let sized = p.sizes.len() > 1;
        let input = ProductInput {
            title: p.title.into(),
            slug: p.slug.into(),
            description: p.description.into(),
            price: p.price,
            compare_at_price: p.compare_at,
            currency: currency.clone(),
            sku: Some(p.sku.into()),
            status: Status::Active,
            tags: p.tags.iter().map(|t| t.to_string()).collect(),
            options: if sized {
                vec![ProductOption {
                    name: "Size".into(),
                    values: p.sizes.iter().map(|(s, _)| s.to_string()).collect(),
                }]
            } else {
                Vec::new()
            },
        };
        let id = store::insert_product(&mut *tx, shop_id, &input).await?;
        variants::apply_options(&mut tx, shop_id, id, input.sku.as_deref(), &input.options).await?;
        for v in store::variants(&mut *tx, shop_id, id).await? {
            let stock = p
                .sizes
                .iter()
                .find(|(s, _)| *s == v.title)
                .map_or(0, |(_, n)| *n);
            if stock == 0 {
                continue;
            }
            let change = Change {
                shop_id,
                variant_id: v.id,
                delta: stock,
                reason: Reason::Initial,
                note: "Demo stock",
                reference: None,
                user_id: None,
            };
            inventory::record(&mut tx, &change).await?;
        }
        store::images::insert(&mut *tx, shop_id, id, p.title, &thumb, &display, size).await?;
        store::reindex(&mut tx, shop_id, id).await?;
    }
    tx.commit().await?;
    Ok(())
}

/// A 1200 px square: a diagonal gradient with a soft disc, as a PNG.
fn photo([from, to, disc]: [[u8; 3]; 3]) -> Vec<u8> {
    const SIDE: u32 = 1200;
    let img = RgbImage::from_fn(SIDE, SIDE, |x, y| {
        let t = (x + y) as f32 / (2 * SIDE) as f32;
        let mut px = [0u8; 3];
        for c in 0..3 {
            px[c] = (from[c] as f32 * (1.0 - t) + to[c] as f32 * t) as u8;
        }
        let (dx, dy) = (x as f32 - 600.0, y as f32 - 560.0);
        let d = (dx * dx + dy * dy).sqrt();
        // A disc with a soft edge, and a shadow ellipse under it.
        let cover = ((330.0 - d) / 8.0).clamp(0.0, 1.0);
        let (sx, sy) = ((x as f32 - 600.0) / 300.0, (y as f32 - 950.0) / 40.0);
        let shadow = (1.0 - (sx * sx + sy * sy)).clamp(0.0, 1.0) * 0.25;
        for c in 0..3 {
            let shaded = px[c] as f32 * (1.0 - shadow);
            px[c] = (shaded * (1.0 - cover) + disc[c] as f32 * cover) as u8;
        }
        Rgb(px)
    });
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png)
        .expect("PNG encoding in memory");
    out.into_inner()
}
