App {
  Set {
    +mechtron.name=hello,
    +wasm.src=${self.config.bundle}:/wasm/hello.wasm,
    +bind=${self.config.bundle}:/bind/hello.bind,
    +http=true
  }
}
