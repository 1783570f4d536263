/*
 * The profiles guest (C): serves the `save-profile` port of bind/profiles.bind. The host has
 * already checked the request against schema/profile.json; this guest reads the name, asks the
 * hello mechtron for its greeting word (an outbound call its port's grants allow), logs, and
 * answers {"saved": true, "greeting": "hello, ada"}.
 *
 * Built by `cargo test` (and committed as wasm/profiles.wasm):
 *   clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry -Wl,--export=__guest_call \
 *         -I ../../runtime/guest/c -o wasm/profiles.wasm guests/profiles.c
 */
#include "starlane.h"

/* Sized for every request the bind and schema admit: a body of at most 64 KiB (`limits`),
 * escaped into the JSON envelope (at most 6 bytes per byte, `\u00XX`), and a name of at most
 * 200 characters (schema/profile.json), 4 bytes each in UTF-8. */
#define MAX_BODY (64 * 1024)
static uint8_t op[64];
static uint8_t msg[6 * MAX_BODY + 4096];
static char body[MAX_BODY + 1];
static char name[200 * 4 + 1];
static char greeting[64];
static char out[2048];
static char scratch[4096];

__attribute__((export_name("__guest_call")))
int __guest_call(int op_len, int msg_len) {
    if ((size_t)op_len > sizeof op || (size_t)msg_len > sizeof msg) {
        return sl_fail("E0001", "the message is too large for this guest");
    }
    __guest_request(op, msg);
    if (op_len != 12 || memcmp(op, "save-profile", 12) != 0) {
        return sl_fail("E0002", "no handler for this operation");
    }
    int n = sl_json_string((const char *)msg, (size_t)msg_len, "body", body, sizeof body);
    if (n < 0 || sl_json_string(body, (size_t)n, "name", name, sizeof name) < 0) {
        return sl_fail("E0003", "the profile has no name");
    }
    /* The greeting word comes from the hello mechtron: `call ${hello}:**^Ext<Hello>`. */
    size_t glen = 0;
    static const char binding[] = "hello", ns[] = "localhost:hello:greeting", hello_op[] = "Ext<Hello>";
    if (__host_call(binding, 5, ns, sizeof ns - 1, hello_op, sizeof hello_op - 1, "", 0)) {
        glen = __host_response_len();
        if (glen >= sizeof greeting) glen = 0;
        else __host_response(greeting);
    }
    if (glen == 0) {
        memcpy(greeting, "hi", 2);
        glen = 2;
    }
    sl_buf line = {out, 0, sizeof out, 0};
    sl_puts(&line, "saved the profile of ");
    sl_puts(&line, name);
    __console_log(line.data, line.len);

    sl_buf json = {out, 0, sizeof out, 0};
    sl_puts(&json, "{\"saved\":true,\"greeting\":");
    char words[sizeof greeting + 2 + sizeof name];
    sl_buf g = {words, 0, sizeof words, 0};
    sl_put(&g, greeting, glen);
    sl_puts(&g, ", ");
    sl_puts(&g, name);
    sl_put_json_string(&json, g.data, g.len);
    sl_puts(&json, "}");
    return sl_respond(200, "application/json", json.data, json.len, scratch, sizeof scratch);
}
