//! Product descriptions are plain text. Shoppers see them as paragraphs, with web
//! addresses made clickable; nothing else the merchant types is interpreted, and every
//! character is escaped, so a description can never inject markup.

/// The description as HTML: blank lines separate paragraphs, single line breaks
/// become `<br>`, `http(s)://` addresses become links. Safe to insert unescaped.
pub fn to_html(text: &str) -> String {
    let normalised = text.replace("\r\n", "\n");
    let mut html = String::new();
    for paragraph in normalised.split("\n\n") {
        let paragraph = paragraph.trim();
        if paragraph.is_empty() {
            continue;
        }
        html.push_str("<p>");
        for (i, line) in paragraph.lines().enumerate() {
            if i > 0 {
                html.push_str("<br>");
            }
            linkify(line, &mut html);
        }
        html.push_str("</p>");
    }
    html
}

fn linkify(line: &str, out: &mut String) {
    let mut rest = line;
    while let Some(start) = find_link(rest) {
        escape(&rest[..start], out);
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"'))
            .unwrap_or(candidate.len());
        // Sentence punctuation after an address is not part of it.
        let url = candidate[..end].trim_end_matches(['.', ',', ';', ':', '!', '?', ')', '\'']);
        if url::Url::parse(url).is_ok() && url.len() > "https://".len() {
            out.push_str("<a href=\"");
            escape(url, out);
            out.push_str("\" rel=\"nofollow noopener ugc\" target=\"_blank\">");
            escape(url, out);
            out.push_str("</a>");
            rest = &candidate[url.len()..];
        } else {
            escape(&candidate[..end.max(1)], out);
            rest = &candidate[end.max(1)..];
        }
    }
    escape(rest, out);
}

fn find_link(s: &str) -> Option<usize> {
    match (s.find("https://"), s.find("http://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// The first paragraph, shortened, for cards and lists.
pub fn summary(text: &str, max_chars: usize) -> String {
    let first = text
        .trim()
        .split("\n\n")
        .next()
        .unwrap_or("")
        .replace('\n', " ");
    if first.chars().count() <= max_chars {
        return first;
    }
    let cut: String = first.chars().take(max_chars).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_and_line_breaks() {
        assert_eq!(
            to_html("Soft linen.\nMade in Lyon.\n\n\nWash cold."),
            "<p>Soft linen.<br>Made in Lyon.</p><p>Wash cold.</p>"
        );
        assert_eq!(to_html("  \n\n "), "");
    }

    #[test]
    fn markup_is_escaped_not_interpreted() {
        let html = to_html("<script>alert('x')</script> **bold** <b>hi</b>");
        assert!(!html.contains("<script"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("**bold**"));
    }

    #[test]
    fn links_become_clickable_and_stay_escaped() {
        let html = to_html("Size guide: https://example.com/sizes?a=1&b=2. Thanks");
        assert_eq!(
            html,
            "<p>Size guide: <a href=\"https://example.com/sizes?a=1&amp;b=2\" \
             rel=\"nofollow noopener ugc\" target=\"_blank\">https://example.com/sizes?a=1&amp;b=2</a>. Thanks</p>"
        );
        let sneaky = to_html("http://x.test/\"onmouseover=\"alert(1)");
        assert!(!sneaky.contains("\"onmouseover"));
        assert!(to_html("javascript:alert(1)").contains("javascript:alert(1)"));
        assert!(!to_html("javascript:alert(1)").contains("<a"));
        assert!(!to_html("see http:// nothing").contains("<a"));
    }

    #[test]
    fn summaries_are_the_first_paragraph_shortened() {
        assert_eq!(summary("One.\n\nTwo.", 50), "One.");
        assert_eq!(summary("abcdefghij", 4), "abcd…");
    }
}
