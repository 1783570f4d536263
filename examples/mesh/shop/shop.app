App {
  Set {
    +mechtron.name=shop,
    +wasm.src=${self.config.bundle}:/wasm/shop.wasm,
    +bind=${self.config.bundle}:/bind/shop.bind,
    +http=true
  }
}
