/*
 * starlane.h — writing Starlane guests (mechtrons) in C.
 *
 * The waPC host functions (import module "wapc"), and small helpers for the message envelope
 * (specs/abi.md §2): reading a string field of the request envelope, and answering with a
 * response envelope. No allocation and no stdio, so a guest built with
 *
 *   clang --target=wasm32-wasi -O2 -nostartfiles -Wl,--no-entry -Wl,--export=__guest_call \
 *         -I runtime/guest/c -o guest.wasm guest.c
 *
 * imports nothing but "wapc" (wasi-libc supplies memcpy and friends without WASI imports).
 */
#ifndef STARLANE_H
#define STARLANE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define STARLANE_IMPORT(name) __attribute__((import_module("wapc"), import_name(#name)))

STARLANE_IMPORT(__guest_request) void __guest_request(uint8_t *op, uint8_t *msg);
STARLANE_IMPORT(__guest_response) void __guest_response(const void *ptr, size_t len);
STARLANE_IMPORT(__guest_error) void __guest_error(const void *ptr, size_t len);
STARLANE_IMPORT(__host_call)
int __host_call(const void *binding, size_t binding_len, const void *ns, size_t ns_len,
                const void *op, size_t op_len, const void *payload, size_t payload_len);
STARLANE_IMPORT(__host_response_len) size_t __host_response_len(void);
STARLANE_IMPORT(__host_response) void __host_response(void *ptr);
STARLANE_IMPORT(__host_error_len) size_t __host_error_len(void);
STARLANE_IMPORT(__host_error) void __host_error(void *ptr);
STARLANE_IMPORT(__console_log) void __console_log(const void *ptr, size_t len);

/* A fixed-size output buffer; writes past its end are dropped and `overflow` is set. */
typedef struct {
    char *data;
    size_t len;
    size_t cap;
    int overflow;
} sl_buf;

static inline void sl_put(sl_buf *b, const char *s, size_t n) {
    if (b->len + n > b->cap) {
        b->overflow = 1;
        n = b->cap - b->len;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
}

static inline void sl_puts(sl_buf *b, const char *s) { sl_put(b, s, strlen(s)); }

/* Appends `s` (n bytes) as a JSON string, quotes included. */
static inline void sl_put_json_string(sl_buf *b, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    sl_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            char e[2] = {'\\', (char)c};
            sl_put(b, e, 2);
        } else if (c == '\n') {
            sl_put(b, "\\n", 2);
        } else if (c < 0x20) {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            sl_put(b, e, 6);
        } else {
            sl_put(b, (const char *)&s[i], 1);
        }
    }
    sl_put(b, "\"", 1);
}

/*
 * Finds `"key": "value"` in a JSON object (the first occurrence of the key, at any depth — enough
 * for the flat envelope and simple bodies) and copies the unescaped value into `out`. Returns its
 * length, or -1 when the key is absent, not a string, or too long for `cap`.
 */
static inline int sl_json_string(const char *json, size_t len, const char *key, char *out, size_t cap) {
    size_t klen = strlen(key);
    for (size_t i = 0; i + klen + 2 < len; i++) {
        if (json[i] != '"' || memcmp(json + i + 1, key, klen) != 0 || json[i + 1 + klen] != '"') {
            continue;
        }
        size_t j = i + klen + 2;
        while (j < len && (json[j] == ' ' || json[j] == ':')) j++;
        if (j >= len || json[j] != '"') return -1;
        j++;
        size_t n = 0;
        while (j < len && json[j] != '"') {
            char c = json[j++];
            if (c == '\\' && j < len) {
                char e = json[j++];
                c = e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
            }
            if (n + 1 >= cap) return -1;
            out[n++] = c;
        }
        out[n] = 0;
        return (int)n;
    }
    return -1;
}

/* Answers with a response envelope: a status, a content type and a body. Returns 1. */
static inline int sl_respond(int status, const char *content_type, const char *body, size_t body_len,
                             char *scratch, size_t scratch_cap) {
    sl_buf b = {scratch, 0, scratch_cap, 0};
    char digits[4] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10), (char)('0' + status % 10), 0};
    sl_puts(&b, "{\"v\":1,\"status\":");
    sl_puts(&b, digits);
    sl_puts(&b, ",\"headers\":{\"content-type\":");
    sl_put_json_string(&b, content_type, strlen(content_type));
    sl_puts(&b, "},\"body\":");
    sl_put_json_string(&b, body, body_len);
    sl_puts(&b, "}");
    __guest_response(b.data, b.len);
    return 1;
}

/* Answers with an error (`{"code","message"}`). Returns 0, what `__guest_call` must return. */
static inline int sl_fail(const char *code, const char *message) {
    static char buf[512];
    sl_buf b = {buf, 0, sizeof buf, 0};
    sl_puts(&b, "{\"code\":\"");
    sl_puts(&b, code);
    sl_puts(&b, "\",\"message\":");
    sl_put_json_string(&b, message, strlen(message));
    sl_puts(&b, "}");
    __guest_error(b.data, b.len);
    return 0;
}

static inline void sl_log(const char *line) { __console_log(line, strlen(line)); }

#endif
