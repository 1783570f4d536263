;; The shop guest (waPC): asks the ledger (through the context name `ledger`, so the port's
;; grants and `call` entries decide) for a balance and answers with the ledger's reply, or fails
;; with the host's error. The App names this file: `starlane build` compiles it.
(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (import "wapc" "__guest_error" (func $guest_error (param i32 i32)))
  (import "wapc" "__host_call" (func $host_call (param i32 i32 i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wapc" "__host_response_len" (func $host_response_len (result i32)))
  (import "wapc" "__host_response" (func $host_response (param i32)))
  (import "wapc" "__host_error_len" (func $host_error_len (result i32)))
  (import "wapc" "__host_error" (func $host_error (param i32)))
  (memory (export "memory") 2)
  (data (i32.const 64) "ledger")
  (data (i32.const 96) "localhost:ledger:accounts:ada")
  (data (i32.const 160) "Ext<Balance>")
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 1024))
    (if (call $host_call (i32.const 64) (i32.const 6) (i32.const 96) (i32.const 29)
                         (i32.const 160) (i32.const 12) (i32.const 0) (i32.const 0))
      (then
        (call $host_response (i32.const 8192))
        (call $guest_response (i32.const 8192) (call $host_response_len)))
      (else
        (call $host_error (i32.const 8192))
        (call $guest_error (i32.const 8192) (call $host_error_len))
        (return (i32.const 0))))
    (i32.const 1)))
