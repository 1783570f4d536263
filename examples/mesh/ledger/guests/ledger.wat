;; The ledger guest (waPC): logs each message it runs and answers with a fixed balance.
;; The App names this file: `starlane build` compiles it (no wasm is committed).
(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__console_log" (func $console_log (param i32 i32)))
  (memory (export "memory") 2)
  (data (i32.const 64) "{\22account\22:\22ada\22,\22balance\22:42}")
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 1024))
    (call $console_log (i32.const 1024) (local.get $msg_len))
    (call $guest_response (i32.const 64) (i32.const 30))
    (i32.const 1)))
