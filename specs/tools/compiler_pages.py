"""Writes compiler/explain/*.md (run from the repo root). Checked by compiler/tests/explain_pages.rs."""
import pathlib
H = "Bind(version=1.1.0) {\n"
P = [
("E0101", "Unknown port", "A `((name))` stop sends the message to a named port of the bound mechtron, so the port must be declared with `Port name { … }` in the same bind.", H+"  Port upload { request: Bin; }\n  Route<Http<Post>> -> ((uplod)) => &;\n}\n", "Use the declared name: `((upload))`."),
("E0102", "Unknown schema", "An UpperCamelCase validator (`~Profile`) names a `Schema` declared in the same bind.", H+"  Schema Profile = \"schema/profile.json\";\n  Route<Http<Post>> -[ Json~Profil ]-> (()) => &;\n}\n", "Use the declared name: `~Profile`."),
("E0103", "Unknown role", "`grant role NAME to …` gives the grants of a `Role` declared in the same bind. An unknown role grants nothing.", H+"  Role editor { grant perm +cSd-RwX on ${self}:**; }\n  grant role editr to ${self}:**<User>;\n}\n", "Use the declared role: `grant role editor to …`."),
("E0104", "Duplicate declaration", "Ports, schemas, roles and context names are looked up by name, so each is declared once per bind.", H+"  Port save { request: Json; }\n  Port save { request: Text; }\n  Route<Http<Post>> -> ((save)) => &;\n}\n", "Rename or merge one of them."),
("E0105", "Unresolved variable", "A `${name}` in a stop must be a named capture of the route's path regex, a `Requires` context name, or a built-in (`doc`, `self`); `${N}`/`$N` must not exceed the regex's capture groups. In `grant` and `call` selectors only context names and built-ins exist.", "Bind(version=1.0.0) {\n  Route<Http<Get>>/users/(?P<id>[^/]+) -> profiles:${user} => &;\n}\n", "Use the capture's name: `profiles:${id}`."),
("E0106", "`exec` longer than `total`", "`exec` limits the guest's own CPU time; `total` limits the whole exchange, which includes it. An `exec` longer than `total` can never take effect.", H+"  Port save {\n    timeout: exec 3s, total 1s;\n  }\n  Route<Http<Post>> -> ((save)) => &;\n}\n", "Make `exec` at most `total`."),
("E0107", "Name clash", "Captures, `Requires` context names and built-ins (`doc`, `self`) share one namespace, so `${name}` always means one thing.", H+"  Requires { users: Base<User>; }\n  Route<Http<Get>>/(?P<users>.*) -> profiles:${users} => &;\n}\n", "Rename the capture."),
("E0108", "Payload mismatch along a pipeline", "A payload check right before a port must agree with the port's `request` (and one right after it with its `response`); otherwise no message can pass both.", H+"  Port upload { request: Bin; }\n  Route<Http<Post>> -[ Text ]-> ((upload)) => &;\n}\n", "Check for the kind the port takes: `-[ Bin ]->`, or drop the step's check."),
("E0109", "Missing file", "A file the bundle refers to — the manifest's `wasm.src` or `bind`, a `Schema` path, a `${doc.bundle}:/…` stop — is not in the bundle directory. Reported by `starlane build`.", None, "Add the file, or fix the path (paths are relative to the bundle root)."),
("E0110", "Invalid guest module", "A mechtron's `.wasm` must be a valid core module that exports `memory` and `__guest_call: (i32, i32) -> i32`, and imports only waPC host functions (module `wapc`) or the supported WASI subset. Every problem is listed at once. Reported by `starlane build`.", None, "Rebuild the guest with a waPC SDK, or see `specs/abi.md`."),
("E0111", "Invalid schema", "A `schema/*.json` document must be JSON and valid JSON Schema. Schemas of one bundle are registered in memory under `starlane-bundle:///schema/NAME.json`, so `$ref`s between them resolve offline. Reported by `starlane build`.", None, "Fix the document; the message names the failing location."),
("E0112", "Invalid manifest", "A bundle has one App document (`*.app`) per mechtron, naming its `wasm.src`, `mechtron.name` and `bind`; with several mechtrons, one of them is marked `+http=true` to receive HTTP. A bundle without a manifest must hold exactly one `.bind`. Reported by `starlane build`.", None, "Add or fix the manifest."),
("W0101", "Unreachable route", "Routes are tried in document order and the first match wins, so a route is dead when an earlier one of the same kind and method (or a wildcard) certainly matches every path it matches: the same regex, no regex, or a literal prefix followed by `.*`. Only certain cases are reported. Lint `unreachable-route`.", "Bind(version=1.0.0) {\n  Route -> {\n    Http<Get>/(.*) -> localhost:site:/html/${1} => &;\n    Http<Get>/app/(.*) -> localhost:app => &;\n  }\n}\n", "Put the more specific route first."),
("W0102", "Grant widens to everything", "`super`, `priv *` and grants `on` an unrooted `**` give access to every resource. Lint `grant-widens-to-everything`.", H+"  grant perm +CSD-RWX on **;\n}\n", "Root the selector in a context name: `on ${files}:**`."),
("W0103", "Port never routed", "No route stops at this port, so it can never run. Lint `port-never-routed`.", H+"  Port orphan { request: Text; }\n}\n", "Route to it (`-> ((orphan)) => &;`) or remove it."),
("W0104", "Call outside `Requires`", "A `call` names a literal address. Calls through a `Requires` context name are bound and kind-checked at load, and keep the bind portable. Lint `call-outside-requires`.", H+"  Port save {\n    call localhost:users:**^Ext<Select>;\n  }\n  Route<Http<Post>> -> ((save)) => &;\n}\n", "Declare `Requires { users: Base<User>; }` and write `call ${users}:**^Ext<Select>;`."),
]
for code, title, body, example, fix in P:
    text = f"# {code}: {title}\n\n{body}\n"
    if example:
        text += f"\n## Example\n\n```bind\n{example}```\n"
    text += f"\n## Fix\n\n{fix}\n"
    pathlib.Path(f"compiler/explain/{code}.md").write_text(text)
    if example:
        import re
        slug = re.sub(r"[^a-z0-9]+", "-", title.lower().replace("`","")).strip("-")
        pathlib.Path(f"specs/tests/{code.lower()}-{slug}.bind").write_text(example)
print(len(P))
