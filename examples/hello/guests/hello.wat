;; The hello guest (waPC): answers every call with "hello". Compiled to wasm/hello.wasm by the
;; tests (`wat` crate) and committed; a test checks the two agree.
(module
  (import "wapc" "__guest_request" (func $guest_request (param i32 i32)))
  (import "wapc" "__guest_response" (func $guest_response (param i32 i32)))
  (memory (export "memory") 1)
  (data (i32.const 1024) "hello")
  (func (export "__guest_call") (param $op_len i32) (param $msg_len i32) (result i32)
    (call $guest_request (i32.const 0) (i32.const 512))
    (call $guest_response (i32.const 1024) (i32.const 5))
    (i32.const 1)))
