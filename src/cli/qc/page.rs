//! `index.html`: one static page that opens from disk, no server and no
//! framework. The rows are written in problems-first order; a few lines of
//! plain JavaScript sort them by verdict or name (click a heading, or open
//! the page with `#sort=name`, `#sort=verdict` or `#sort=-verdict`) and
//! hide the fine ones.

use super::record::{EntryRecord, Facts, Report, Subject};
use std::fmt::Write as _;

pub fn page(report: &Report) -> String {
    let summary = &report.summary;
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>rasview QC: {title}</title>
<style>{STYLE}</style>
</head>
<body>
<h1>rasview QC</h1>
<p class="summary" id="summary">{entries} entr{plural}:
<span class="badge failed">{failed} failed</span>
<span class="badge not-aligned">{not_aligned} not aligned</span>
<span class="badge warnings">{warnings} with warnings</span>
<span class="badge fine">{fine} fine</span>
{reused}</p>
<p class="made">Made by rasview {version}: <code>{command}</code>. Mosaics: axial, coronal and
sagittal rows in RAS world space, radiological (the patient's right on the left);
a volume's own edges in red, a pair's overlay outlined (mask, labels) or its edges (an image) in cyan.</p>
<p><label><input type="checkbox" id="problems-only"> Problems only</label></p>
<table id="qc">
<thead><tr>
<th class="sortable" data-key="verdict" title="Sort by verdict">Verdict</th>
<th class="sortable" data-key="name" title="Sort by name">Entry</th>
<th>Mosaic</th><th>Facts</th><th>Findings and warnings</th>
</tr></thead>
<tbody>
"#,
        title = escape(&summary.words()),
        entries = summary.entries,
        plural = if summary.entries == 1 { "y" } else { "ies" },
        failed = summary.failed,
        not_aligned = summary.not_aligned,
        warnings = summary.warnings,
        fine = summary.fine,
        reused = if summary.reused > 0 {
            format!(
                "({} reused from an earlier run, their inputs and options unchanged)",
                summary.reused
            )
        } else {
            String::new()
        },
        version = escape(&report.rasview_version),
        command = escape(&report.command_line.join(" ")),
    );
    for entry in &report.entries {
        row(&mut html, entry);
    }
    html.push_str("</tbody>\n</table>\n<script>");
    html.push_str(SCRIPT);
    html.push_str("</script>\n</body>\n</html>\n");
    html
}

fn row(html: &mut String, e: &EntryRecord) {
    let verdict = e.verdict.word();
    let class = verdict.replace(' ', "-");
    let _ = write!(
        html,
        r#"<tr class="entry {class}" id="entry-{id}" data-rank="{rank}" data-name="{name}" data-verdict="{verdict}">
<td><span class="badge {class}">{verdict}</span>{reused}</td>
<td class="name">"#,
        id = escape(&e.id),
        rank = e.verdict as u8,
        name = escape(&e.name),
        reused = if e.reused {
            r#"<div class="note">reused</div>"#
        } else {
            ""
        },
    );
    match &e.subject {
        Subject::Volume { input, series } => {
            path_cell(html, None, input);
            if let Some(uid) = series {
                let _ = write!(html, r#"<div class="folder">series {}</div>"#, escape(uid));
            }
        }
        Subject::Pair { base, overlay } => {
            path_cell(html, Some("overlay"), overlay);
            path_cell(html, Some("base"), base);
        }
    }
    let mut links = Vec::new();
    if let Some(png) = &e.png {
        links.push(format!(r#"<a href="{}">mosaic PNG</a>"#, href(png)));
    }
    if let Some(sidecar) = &e.sidecar {
        links.push(format!(r#"<a href="{}">sidecar</a>"#, href(sidecar)));
    }
    let _ = write!(
        html,
        r#"<div class="links">{}</div><div class="note">{:.1} s</div></td>
<td class="thumb">"#,
        links.join(" · "),
        e.seconds
    );
    match (&e.thumbnail, &e.png) {
        (Some(thumb), Some(png)) => {
            let _ = write!(
                html,
                r#"<a href="{}"><img src="{}" alt="mosaic of {}" loading="lazy"></a>"#,
                href(png),
                href(thumb),
                escape(&e.name)
            );
        }
        _ => html.push_str(r#"<div class="none">no picture</div>"#),
    }
    html.push_str("</td>\n<td class=\"facts\">");
    let roles = ["base", "overlay"];
    for (i, f) in e.facts.iter().enumerate() {
        let role = if e.facts.len() > 1 {
            format!(r#"<span class="role">{}</span> "#, roles[i.min(1)])
        } else {
            String::new()
        };
        let _ = write!(html, "<div>{role}{}</div>", escape(&facts_line(f)));
    }
    html.push_str("</td>\n<td class=\"words\">");
    if let Some(error) = &e.error {
        let _ = write!(html, r#"<div class="error">{}</div>"#, escape(error));
    }
    list(html, "findings", &e.findings);
    list(html, "warnings", &e.warnings);
    html.push_str("</td>\n</tr>\n");
}

/// A file's name in bold, its folder below in small print.
fn path_cell(html: &mut String, role: Option<&str>, path: &std::path::Path) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let folder = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .map(|p| {
            format!(
                r#"<div class="folder">{}/</div>"#,
                escape(&p.display().to_string())
            )
        })
        .unwrap_or_default();
    let role = role.map_or(String::new(), |r| {
        format!(r#"<span class="role">{r}</span> "#)
    });
    let _ = write!(
        html,
        r#"<div class="file">{role}<b>{}</b>{folder}</div>"#,
        escape(&name)
    );
}

fn list(html: &mut String, class: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = write!(html, r#"<ul class="{class}">"#);
    for item in items {
        let _ = write!(html, "<li>{}</li>", escape(item));
    }
    html.push_str("</ul>");
}

/// "NIfTI-1 int16 256×256×176, 1.00×1.00×1.20 mm, RAS, oblique 12.3°".
pub fn facts_line(f: &Facts) -> String {
    let shape: Vec<String> = f.shape.iter().map(|d| d.to_string()).collect();
    let spacing: Vec<String> = f.spacing_mm.iter().map(|s| format!("{s:.2}")).collect();
    let mut line = format!(
        "{} {} {}, {} mm, {}",
        f.format,
        f.datatype,
        shape.join("×"),
        spacing.join("×"),
        f.axcodes
    );
    if f.oblique {
        let _ = write!(line, ", oblique {:.1}°", f.obliquity_deg);
    }
    let _ = write!(line, ", affine from {}", f.affine_source);
    line
}

/// Text for HTML content and quoted attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A relative path as a link: each byte outside the unreserved set and `/`
/// percent-encoded (a folder named `#1` or `a b` must still be found).
pub fn href(path: &str) -> String {
    let mut out = String::new();
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~/".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

const STYLE: &str = r#"
body { font-family: system-ui, sans-serif; margin: 1.5em; color: #222; }
h1 { margin: 0 0 .3em; font-size: 1.5em; }
.made { color: #555; font-size: .9em; max-width: 70em; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4em .6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; position: sticky; top: 0; }
th.sortable { cursor: pointer; text-decoration: underline dotted; }
th.sorted-up::after { content: " ▲"; } th.sorted-down::after { content: " ▼"; }
.badge { display: inline-block; padding: .15em .55em; border-radius: .8em; font-weight: 600; font-size: .85em; white-space: nowrap; }
.badge.failed { background: #b00020; color: #fff; }
.badge.not-aligned { background: #e65100; color: #fff; }
.badge.warnings { background: #f9a825; color: #222; }
.badge.aligned, .badge.ok, .badge.fine { background: #2e7d32; color: #fff; }
.name { min-width: 14em; max-width: 22em; }
.file { margin-bottom: .3em; overflow-wrap: anywhere; }
.folder { font-size: .8em; color: #666; overflow-wrap: anywhere; }
.role { color: #777; font-size: .8em; text-transform: uppercase; }
.links, .note { font-size: .85em; color: #555; margin-top: .3em; }
.thumb img { width: 480px; max-width: 40vw; height: auto; display: block; background: #000; }
.none { color: #999; font-style: italic; }
.facts { font-size: .9em; min-width: 12em; max-width: 22em; }
.words { font-size: .9em; max-width: 34em; }
.words ul { margin: .2em 0; padding-left: 1.2em; }
.findings li { color: #222; } .warnings li { color: #8a5a00; }
.error { color: #b00020; font-weight: 600; white-space: pre-wrap; }
tr.failed td:first-child { border-left: 4px solid #b00020; }
tr.not-aligned td:first-child { border-left: 4px solid #e65100; }
body.problems-only tr.aligned, body.problems-only tr.ok { display: none; }
"#;

const SCRIPT: &str = r#"
(function () {
  var body = document.querySelector('#qc tbody');
  var heads = document.querySelectorAll('th.sortable');
  function sortBy(key, down) {
    var rows = Array.prototype.slice.call(body.querySelectorAll('tr.entry'));
    rows.sort(function (a, b) {
      // Plain code-unit order, as qc.json's: no locale's idea of punctuation.
      var an = a.dataset.name, bn = b.dataset.name;
      var byName = an < bn ? -1 : an > bn ? 1 : 0;
      var c = key === 'verdict' ? (a.dataset.rank - b.dataset.rank) || byName : byName;
      return down ? -c : c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    heads.forEach(function (h) {
      h.classList.remove('sorted-up', 'sorted-down');
      if (h.dataset.key === key) h.classList.add(down ? 'sorted-down' : 'sorted-up');
    });
    document.body.dataset.sort = (down ? '-' : '') + key;
  }
  heads.forEach(function (h) {
    h.addEventListener('click', function () {
      var down = h.classList.contains('sorted-up');
      sortBy(h.dataset.key, down);
    });
  });
  var asked = /sort=(-?)(verdict|name)/.exec(location.hash);
  if (asked) sortBy(asked[2], asked[1] === '-'); else sortBy('verdict', false);
  var only = document.getElementById('problems-only');
  function filter() { document.body.classList.toggle('problems-only', only.checked); }
  only.addEventListener('change', filter);
  if (/problems/.test(location.hash)) { only.checked = true; }
  filter();
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_and_links_are_escaped() {
        assert_eq!(
            escape(r#"<a href="x">&'"#),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(
            href("entries/a b#1/mosaic.png"),
            "entries/a%20b%231/mosaic.png"
        );
        assert_eq!(href("../parts/é"), "../parts/%C3%A9");
    }
}
