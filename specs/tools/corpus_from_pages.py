"""Seeds specs/tests/ with each explain page's example (run from the repo root). Expectations are
written by `BLESS=1 cargo test -p starlane-compiler --test conformance` and reviewed in the diff."""
import pathlib, re
for page in sorted(pathlib.Path("lang/explain").glob("*.md")):
    text = page.read_text()
    m = re.search(r"## Example\n\n```bind\n(.*?)```", text, re.S)
    if not m:
        continue
    title = text.splitlines()[0].split(": ", 1)[1].lower().replace("`", "")
    slug = re.sub(r"[^a-z0-9]+", "-", title).strip("-")
    out = pathlib.Path("specs/tests") / f"{page.stem.lower()}-{slug}.bind"
    out.write_text(m.group(1))
